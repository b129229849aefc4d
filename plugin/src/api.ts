import type { ErrorEnvelope, FieldError } from './api-types';

/** A failed API call, carrying the backend's error envelope when there was one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** The fields the server refused, where it named them. */
    readonly fields: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

/**
 * What the server said about one field of a form, if it refused it: the first message for any of
 * `paths` or a field under one of them ("subject" covers "subject.email").
 */
export function fieldError(error: unknown, ...paths: string[]): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fields.find((field) => paths.some((path) => field.path === path || field.path.startsWith(`${path}.`)))?.message;
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Bearer credential; held by the caller in memory only. */
  token?: string;
  /** Lets a request outlive the page (presence on unload). */
  keepalive?: boolean;
  signal?: AbortSignal;
}

function isEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Calls a backend JSON route on the page's own origin. Resolves with the parsed
 * body on 2xx; otherwise throws ApiError so every page shows failures the same way.
 */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;

  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // Credentials travel only in the Authorization header, never in cookies.
      credentials: 'omit',
      cache: 'no-store',
      keepalive: options.keepalive,
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', null);
  }

  const payload = await readJson(response);
  if (response.ok) return payload as T;
  throw failure(response, payload);
}

function failure(response: Response, payload: unknown): ApiError {
  if (isEnvelope(payload)) {
    const { code, message, requestId, fields } = payload.error;
    return new ApiError(response.status, code, message, requestId ?? null, Array.isArray(fields) ? fields : []);
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `The server answered ${response.status} ${response.statusText}`.trim(),
    response.headers.get('x-request-id'),
  );
}

/** Fetches a document a bearer token guards (an HTML or PDF report) for the page to show or save. */
export async function apiBlob(path: string, options: Pick<ApiOptions, 'token' | 'signal'> = {}): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
      credentials: 'omit',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.', null);
  }
  if (response.ok) return response.blob();
  throw failure(response, await readJson(response));
}

/** Turns anything thrown into the fields an alert shows. */
export function describeError(error: unknown): { message: string; code: string | null; requestId: string | null } {
  if (error instanceof ApiError) return { message: error.message, code: error.code, requestId: error.requestId };
  if (error instanceof Error) return { message: error.message, code: null, requestId: null };
  return { message: String(error), code: null, requestId: null };
}

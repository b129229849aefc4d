import pino, { type Logger } from 'pino';

/**
 * Paths that may carry secrets or personal data. Logs carry ids and booleans;
 * these are a safety net, not permission to log payloads.
 */
export const redactedPaths = [
  'token',
  '*.token',
  'session',
  '*.session',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'email',
  '*.email',
  'displayName',
  '*.displayName',
  'name',
  '*.name',
  'pin',
  '*.pin',
  'secret',
  '*.secret',
  'apiSecret',
  '*.apiSecret',
  'adminSecret',
  '*.adminSecret',
  'janusToken',
  '*.janusToken',
  'apiToken',
  '*.apiToken',
  'oauthToken',
  '*.oauthToken',
  'keySecret',
  '*.keySecret',
  'webhookSecret',
  '*.webhookSecret',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path segment that may be a bearer credential: long, random-looking (a digit, a capital or an
 * underscore among URL-safe characters) and not a row id. Route words are lower case with hyphens.
 */
function mayBeToken(segment: string): boolean {
  return segment.length >= 16 && /^[A-Za-z0-9._~-]+$/.test(segment) && /[0-9A-Z_]/.test(segment) && !UUID.test(segment);
}

/**
 * Links carry bearer tokens in their paths: log the route shape, not the token. The routes known
 * to carry one are masked by name (a playback ticket can be short), and any other segment that
 * looks like a token too, so a new route cannot leak one into the log by being forgotten here.
 */
export function pathForLog(path: string): string {
  return path
    .replace(/^\/(j|c|media|dsar\/bundles|offboarding\/bundles)\/[^/]+/, '/$1/:token')
    .replace(/^\/api\/(join|consent)\/[^/]+/, '/api/$1/:token')
    .split('/')
    .map((segment) => (mayBeToken(segment) ? ':token' : segment))
    .join('/');
}

/**
 * Errors as pino serializes them, without the values a failed statement carried: drizzle puts
 * its parameters (names, emails) into the message and the stack, and PostgreSQL repeats a
 * conflicting value in `detail` ("Key (email)=(…) already exists"). Code, constraint, table
 * and the statement text itself (placeholders only) stay.
 */
export function errorForLog(error: unknown): unknown {
  const serialized = scrubError(pino.stdSerializers.err(error as Error)) as Record<string, unknown>;
  // The database's own error (its code and constraint) is the cause of drizzle's.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause && typeof cause === 'object') serialized.cause = errorForLog(cause);
  return serialized;
}

const VALUE_FIELDS = ['params', 'parameters', 'detail', 'where'];
const PARAMS_IN_TEXT = /\nparams: [\s\S]*?(?=\n\s+at |\ncaused by|$)/g;

function scrubError(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of VALUE_FIELDS) if (field in copy) copy[field] = '[redacted]';
  for (const field of ['message', 'stack']) {
    if (typeof copy[field] === 'string') copy[field] = copy[field].replace(PARAMS_IN_TEXT, '\nparams: [redacted]');
  }
  return copy;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'parley' }, serializers: { err: errorForLog } },
    destination,
  );
}

export type { Logger };

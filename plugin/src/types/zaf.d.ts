/**
 * Types for the parts of `zendesk_app_framework_sdk` 2.0.x the plugin uses. The
 * package ships none; shapes follow its lib/client.js.
 */
declare module 'zendesk_app_framework_sdk' {
  export interface ZafContext {
    instanceGuid?: string;
    product?: string;
    location: string;
    account: { subdomain: string };
    ticketId?: number;
    host?: string;
  }

  export interface ZafMetadata<Settings = Record<string, unknown>> {
    appId: number;
    installationId: number;
    name?: string;
    version?: string;
    settings: Settings;
  }

  /** What the host sends with `app.registered`; the init callback receives it. */
  export interface ZafRegistration {
    metadata: ZafMetadata;
    context: ZafContext;
  }

  export interface ZafPathError {
    name?: string;
    message: string;
    path?: string;
  }

  /** `get`/`set`/`invoke` resolve with values keyed by path plus per-path errors. */
  export interface ZafResult {
    errors?: Record<string, ZafPathError>;
    [path: string]: unknown;
  }

  export interface ZafRequestOptions {
    url: string;
    type?: string;
    contentType?: string;
    data?: unknown;
    headers?: Record<string, string>;
    secure?: boolean;
    cors?: boolean;
  }

  export interface ZafClient {
    readonly ready: boolean;
    /** A single path throws on that path's error; an array resolves with `errors` filled in. */
    get(path: string | string[]): Promise<ZafResult>;
    set(path: string, value: unknown): Promise<ZafResult>;
    set(values: Record<string, unknown>): Promise<ZafResult>;
    invoke(name: string, ...args: unknown[]): Promise<ZafResult>;
    invoke(calls: Record<string, string[]>): Promise<ZafResult>;
    on<T = unknown>(name: string, handler: (data: T) => void, context?: unknown): void;
    off(name: string, handler: (data: unknown) => void): void;
    has(name: string, handler: (data: unknown) => void): boolean;
    trigger(name: string, data?: unknown): void;
    postMessage(name: string, data?: unknown): void;
    request<T = unknown>(options: string | ZafRequestOptions): Promise<T>;
    context(): Promise<ZafContext>;
    metadata<Settings = Record<string, unknown>>(): Promise<ZafMetadata<Settings>>;
    instance(instanceGuid: string): ZafClient;
  }

  const ZAFClient: {
    /** Returns false when the page URL lacks `origin` and `app_guid` (not inside a host). */
    init(callback?: (this: ZafClient, registration: ZafRegistration) => void): ZafClient | false;
  };
  export default ZAFClient;
}

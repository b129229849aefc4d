/**
 * The host half of the Zendesk Apps Framework postMessage protocol, enough for
 * the real `zendesk_app_framework_sdk` client in an iframe to run unchanged.
 * Wire format (all messages are JSON strings), as lib/client.js expects it:
 *   app  → host  {key:'iframe.handshake', message:{version}, appGuid, instanceGuid}
 *   app  → host  {id, request:'get'|'set'|'invoke', params, appGuid, instanceGuid}
 *   host → app   {key:'zaf.app.registered', message:{metadata, context}}
 *   host → app   {id, result:{<path>: value, errors:{<path>: {name, message, path}}}}
 *   host → app   {id, error:{name, message}}   (rejects the whole request)
 */

export interface ZafRegistration {
  metadata: Record<string, unknown>;
  context: Record<string, unknown>;
}

export type ZafAction = (...args: unknown[]) => unknown;

export interface ZafHostOptions {
  frame: HTMLIFrameElement;
  /** Origin the app is served from; messages from anywhere else are dropped. */
  appOrigin: string;
  appGuid: string;
  registration: ZafRegistration;
  /** Object the app reads with `get`, addressed by dotted paths ('ticket.requester'). */
  data: () => Record<string, unknown>;
  /** Handlers for `invoke`, keyed by action name ('resize', 'comment.appendText'). */
  actions: Record<string, ZafAction>;
}

interface PathError {
  name: string;
  message: string;
  path: string;
}

interface ZafResult {
  errors: Record<string, PathError>;
  [path: string]: unknown;
}

type AppMessage =
  | { key: string; message?: unknown; appGuid?: string }
  | { id: number; request: string; params: unknown; appGuid?: string };

function parse(data: unknown): AppMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === 'object' && value !== null ? (value as AppMessage) : null;
  } catch {
    return null;
  }
}

function resolvePath(root: Record<string, unknown>, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function pathError(path: string, message: string): PathError {
  // The SDK prefixes the message with the quoted path when it builds the Error.
  return { name: 'DemoHostError', message, path };
}

/** Starts answering the app in `frame`. Call before the frame loads so the handshake is not missed. */
export function hostZafApp(options: ZafHostOptions): () => void {
  const { frame, appOrigin, appGuid } = options;

  const send = (message: object): void => {
    frame.contentWindow?.postMessage(JSON.stringify(message), appOrigin);
  };

  const get = (paths: unknown): ZafResult => {
    const result: ZafResult = { errors: {} };
    const data = options.data();
    for (const path of Array.isArray(paths) ? paths : []) {
      if (typeof path !== 'string') continue;
      const value = resolvePath(data, path);
      if (value === undefined) result.errors[path] = pathError(path, 'is not available in this demo');
      else result[path] = value;
    }
    return result;
  };

  const set = (values: unknown): ZafResult => {
    const result: ZafResult = { errors: {} };
    for (const path of Object.keys(values ?? {})) result.errors[path] = pathError(path, 'is read-only in this demo');
    return result;
  };

  const invoke = (calls: unknown): ZafResult => {
    const result: ZafResult = { errors: {} };
    for (const [name, args] of Object.entries(calls ?? {})) {
      const action = options.actions[name];
      if (!action) {
        result.errors[name] = pathError(name, 'is not supported in this demo');
        continue;
      }
      try {
        result[name] = action(...(Array.isArray(args) ? args : [args])) ?? null;
      } catch (error) {
        result.errors[name] = pathError(name, error instanceof Error ? error.message : String(error));
      }
    }
    return result;
  };

  const onKey = (key: string): void => {
    if (key === 'iframe.handshake') {
      send({ key: 'zaf.app.registered', message: options.registration });
    } else if (/^request:\d+$/.test(key)) {
      // client.request() proxies HTTP through Zendesk; the demo has no Zendesk API to reach.
      const response = { status: 501, statusText: 'Not Implemented', responseText: 'The demo host does not proxy requests' };
      send({ key: `zaf.${key}.fail`, message: { responseArgs: [response] } });
    }
    // iframe.on:/iframe.off:/iframe.trigger: only matter to hosts that emit events.
  };

  const onRequest = (id: number, request: string, params: unknown): void => {
    switch (request) {
      case 'get':
        return send({ id, result: get(params) });
      case 'set':
        return send({ id, result: set(params) });
      case 'invoke':
        return send({ id, result: invoke(params) });
      default:
        return send({ id, error: { name: 'UnsupportedRequest', message: `The demo host does not support "${request}"` } });
    }
  };

  const listener = (event: MessageEvent): void => {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) return;
    const message = parse(event.data);
    if (!message || message.appGuid !== appGuid) return;
    if ('key' in message && typeof message.key === 'string') onKey(message.key);
    else if ('id' in message && typeof message.id === 'number' && typeof message.request === 'string') {
      onRequest(message.id, message.request, message.params);
    }
  };

  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}

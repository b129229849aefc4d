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

/** Join links carry a bearer token in the path: log the route shape, not the token. */
export function pathForLog(path: string): string {
  return path.replace(/^\/(j|c|media|dsar\/bundles)\/[^/]+/, '/$1/:token').replace(/^\/api\/(join|consent)\/[^/]+/, '/api/$1/:token');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'parley' } }, destination);
}

export type { Logger };

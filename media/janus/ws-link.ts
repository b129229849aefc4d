import { randomBytes } from 'node:crypto';
import Janus from 'janus-gateway-js';
import type { Connection, JanusMessage, Plugin, Session } from 'janus-gateway-js';
import { JanusRequestError, JanusUnavailableError } from './errors.js';

/** One WebSocket connection, attached to the VideoRoom plugin. */
export interface VideoroomLink {
  connection: Connection;
  session: Session;
  plugin: Plugin;
  /** Rejects (with JanusUnavailableError) as soon as the link is unusable. */
  lost: Promise<never>;
  isLost(): boolean;
  close(): Promise<void>;
}

export interface LinkOptions {
  apiSecret?: string;
  keepaliveMs?: number;
  timeoutMs: number;
}

export interface JanusServerInfo {
  name: string;
  version: number;
  versionString: string;
  plugins: string[];
  transports: string[];
}

export async function openVideoroomLink(url: string, opts: LinkOptions): Promise<VideoroomLink> {
  const connection = await openConnection(url, opts);
  try {
    const session = await withTimeout(connection.createSession(), opts.timeoutMs, url);
    const plugin = await withTimeout(session.attachPlugin('janus.plugin.videoroom'), opts.timeoutMs, url);
    return trackLink(connection, session, plugin, url);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw toJanusError(error, url, 'attach');
  }
}

/** `info` is answered without api secret or token, which makes it a cheap liveness probe. */
export async function requestServerInfo(url: string, opts: LinkOptions): Promise<JanusServerInfo> {
  const connection = await openConnection(url, opts);
  try {
    return await requestInfoOn(connection, url, opts.timeoutMs);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function requestInfoOn(
  connection: Connection,
  url: string,
  timeoutMs: number,
): Promise<JanusServerInfo> {
  const transaction = randomBytes(8).toString('hex');
  let listener: (message: JanusMessage) => void = () => undefined;
  const reply = new Promise<JanusMessage>((resolve) => {
    listener = (message) => {
      if (message.get('transaction') === transaction) resolve(message);
    };
    connection.on('message', listener);
  });
  try {
    await withTimeout(connection.send({ janus: 'info', transaction }), timeoutMs, url);
    return parseServerInfo((await withTimeout(reply, timeoutMs, url)).getPlainMessage());
  } catch (error) {
    throw toJanusError(error, url, 'info');
  } finally {
    connection.off('message', listener);
  }
}

export function parseServerInfo(raw: Record<string, unknown>): JanusServerInfo {
  if (raw.janus !== 'server_info') {
    throw new JanusRequestError(0, `unexpected reply ${String(raw.janus)}`, 'info');
  }
  return {
    name: String(raw.name ?? ''),
    version: Number(raw.version ?? 0),
    versionString: String(raw.version_string ?? ''),
    plugins: Object.keys((raw.plugins as object | undefined) ?? {}),
    transports: Object.keys((raw.transports as object | undefined) ?? {}),
  };
}

/**
 * Rejects with JanusUnavailableError after `ms`. A late success is handed to
 * `onLate` so a connection that opens after we gave up does not leak.
 */
export function withTimeout<T>(
  promise: PromiseLike<T>,
  ms: number,
  url: string,
  onLate?: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new JanusUnavailableError(`Janus at ${url} did not answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) onLate?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(error);
      },
    );
  });
}

/** Maps library and transport failures onto our two error kinds. */
export function toJanusError(error: unknown, url: string, request: string): Error {
  if (error instanceof JanusRequestError || error instanceof JanusUnavailableError) return error;
  if (error instanceof Janus.Error && typeof error.code === 'number') {
    return new JanusRequestError(error.code, error.message, request);
  }
  return new JanusUnavailableError(`Janus at ${url} is unreachable (${describe(error)})`, { cause: error });
}

async function openConnection(url: string, opts: LinkOptions): Promise<Connection> {
  const client = new Janus.Client(url, {
    keepalive: opts.keepaliveMs ?? true,
    ...(opts.apiSecret ? { apisecret: opts.apiSecret } : {}),
  });
  const opening = client.createConnection(randomBytes(4).toString('hex'));
  let connection: Connection;
  try {
    connection = await withTimeout(opening, opts.timeoutMs, url, (late) => void late.close());
  } catch (error) {
    throw toJanusError(error, url, 'connect');
  }
  // Without a listener the emitter would throw socket errors at the process.
  connection.on('error', () => undefined);
  return connection;
}

function trackLink(connection: Connection, session: Session, plugin: Plugin, url: string): VideoroomLink {
  let lost = false;
  let markLost: (error: Error) => void = () => undefined;
  const lostPromise = new Promise<never>((_, reject) => {
    markLost = reject;
  });
  lostPromise.catch(() => undefined);
  const onLost = (why: string) => () => {
    if (lost) return;
    lost = true;
    const reason = `Janus link to ${url} lost (${why})`;
    for (const gateway of [plugin, session, connection]) failPending(gateway, reason);
    markLost(new JanusUnavailableError(reason));
  };
  connection.on('close', onLost('connection closed'));
  session.on('destroy', onLost('expired by Janus'));
  plugin.on('detach', onLost('handle detached'));
  return {
    connection,
    session,
    plugin,
    lost: lostPromise,
    isLost: () => lost || connection.isClosed(),
    close: async () => {
      onLost('closed by us')();
      await connection.close().catch(() => undefined);
    },
  };
}

/**
 * The library only gives up on an unanswered request after 30 s; settle them now so
 * no timer keeps the process alive after Janus went away mid-request.
 */
function failPending(gateway: Connection | Session | Plugin, reason: string): void {
  const transactions = gateway.getTransactions();
  const lostReply = { janus: 'error', getError: () => ({ reason }) };
  for (const id of Object.keys(transactions.list)) {
    transactions.execute(id, lostReply).catch(() => undefined);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'type' in error) return `websocket ${String(error.type)}`;
  return String(error);
}

// Only the part of janus-gateway-js 2.0.2 that media/janus uses (src/*.js is untyped).
declare module 'janus-gateway-js' {
  /** EventEmitter2 underneath; Node throws on an 'error' event nobody listens to. */
  class Emitter {
    on(event: 'close' | 'destroy' | 'detach', listener: () => void): this;
    on(event: 'error', listener: (error: unknown) => void): this;
    on(event: 'message', listener: (message: JanusMessage) => void): this;
    off(event: 'message', listener: (message: JanusMessage) => void): this;
    removeAllListeners(event?: string): this;
    /** Requests still waiting for Janus; each holds a 30 s timer until answered. */
    getTransactions(): Transactions;
  }

  interface Transactions {
    list: Record<string, unknown>;
    /** Settles the transaction with `message` (passed to its callback as if Janus sent it). */
    execute(id: string, message: object): Promise<unknown>;
  }

  export interface ClientOptions {
    /** true for every 30 s, or a period in ms below 59000. */
    keepalive?: boolean | number;
    token?: string;
    apisecret?: string;
  }

  export class JanusMessage {
    getPlainMessage(): Record<string, unknown>;
    get(name: string, ...path: string[]): unknown;
    getError(): { reason?: string; code?: number } | null;
  }

  export class JanusPluginMessage extends JanusMessage {
    getPluginData(...path: string[]): unknown;
  }

  export class Plugin extends Emitter {
    getId(): string;
    getName(): string;
    sendWithTransaction(message: Record<string, unknown>): Promise<JanusPluginMessage>;
    detach(): Promise<void>;
  }

  export class Session extends Emitter {
    getId(): string;
    attachPlugin(name: string): Promise<Plugin>;
    destroy(): Promise<unknown>;
  }

  export class Connection extends Emitter {
    getId(): string;
    createSession(): Promise<Session>;
    /** Sends as-is (adds apisecret/token and a transaction id); resolves once written. */
    send(message: Record<string, unknown>): Promise<void>;
    close(): Promise<void>;
    isClosed(): boolean;
  }

  export class Client {
    constructor(address: string, options?: ClientOptions);
    createConnection(id: string): Promise<Connection>;
  }

  /** Thrown when Janus answers with an error; `code` is the Janus or plugin error code. */
  export class Error extends globalThis.Error {
    code: number | undefined;
  }

  const Janus: {
    Client: typeof Client;
    Error: typeof Error;
  };
  export default Janus;
}

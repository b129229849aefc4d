import { z } from 'zod';
import { KeyStoreError, KeyUnwrapError } from '../../../../media/encryption/errors.js';
import type { KeyEncryptionService, WrappedKey } from '../../../../media/encryption/kms.js';
import { jsonOrUndefined, normalizeBaseUrl } from '../http/vendor-http.js';

export interface VaultTransitOptions {
  /** Vault's API address, e.g. `http://127.0.0.1:8200`; `/v1/...` is appended. */
  address: string;
  token: string;
  /** Where the transit engine is mounted; default `transit`. */
  mount?: string;
  keyName: string;
  /** Vault Enterprise / HCP namespace, sent as `X-Vault-Namespace`. */
  namespace?: string;
  /** For each request, reading the answer included; default 10 s. */
  timeoutMs?: number;
  /** Create the key (aes256-gcm96, derived) when it does not exist yet. */
  createIfMissing?: boolean;
}

/**
 * Keeps wrapped keys apart from anything else the same transit key might ever encrypt: the
 * derivation context is this prefix and the caller's context (same separation as `wrapKey`).
 */
const CONTEXT_PREFIX = 'parley key wrap v1|';
const DATA_KEY_LENGTH = 32;
const DEFAULT_TIMEOUT_MS = 10_000;
/** Vault's own rule for key names (framework.GenericNameRegex); anything else could leave the path. */
const KEY_NAME = /^\w(?:[\w.@-]*\w)?$/;
const MOUNT = /^[\w.@-]+(?:\/[\w.@-]+)*$/;
const VAULT_CIPHERTEXT = /^vault:v([1-9]\d{0,9}):([A-Za-z0-9+/]+={0,2})$/;
/** What Vault stores for a 32-byte key under an AEAD key type: nonce (12) ‖ encrypted key (32) ‖ tag (16). */
const WRAPPED_LENGTH = 12 + DATA_KEY_LENGTH + 16;
/** Key types that take a 256-bit derived key; anything else is refused rather than half-supported. */
const KEY_TYPES = new Set(['aes256-gcm96', 'chacha20-poly1305']);

const keyInfo = z.object({
  data: z.object({ type: z.string(), derived: z.boolean(), latest_version: z.number().int().positive() }),
});
const ciphertextAnswer = z.object({ data: z.object({ ciphertext: z.string() }) });
const plaintextAnswer = z.object({ data: z.object({ plaintext: z.string() }) });
const errorsBody = z.object({ errors: z.array(z.string()) });

type Operation = 'read key' | 'create key' | 'rotate' | 'encrypt' | 'decrypt' | 'rewrap' | 'allow deletion' | 'delete key';

/**
 * Tenant master key in HashiCorp Vault's Transit engine: the master key never leaves Vault.
 *
 * A wrapped key is Vault's ciphertext string `vault:v<N>:<base64>` as UTF-8 bytes, and its keyId
 * is `vault:<keyName>:v<N>`. The context is bound through Vault's key derivation (`derived: true`,
 * the context as derivation context), not through `associated_data`: Vault's rewrap endpoint drops
 * associated data (hashicorp/vault#29532, #31791), so AAD-bound keys could never be rewrapped
 * inside Vault. A derived key gives each context its own key, so a wrapped key opens only for the
 * context it was wrapped for, and `rewrapInPlace` carries the context through.
 *
 * Rotation: `rotate()`, then `rewrapInPlace` for every wrapped subject key. Unlike `rewrap()` from
 * kms.ts, the plaintext key never reaches this process.
 */
export class VaultTransitKms implements KeyEncryptionService {
  // Private fields stay out of util.inspect and JSON, so logging this object cannot leak the token.
  readonly #token: string;
  readonly #base: string;
  readonly #keyPath: string;
  readonly #namespace: string | undefined;
  readonly #timeoutMs: number;
  readonly #keyName: string;
  #latest = 0;

  private constructor(options: VaultTransitOptions) {
    if (!KEY_NAME.test(options.keyName)) throw new KeyStoreError('Vault transit key name must be letters, digits, _ . @ - (as Vault requires)');
    const mount = (options.mount ?? 'transit').replace(/^\/+|\/+$/g, '');
    if (!MOUNT.test(mount) || mount.split('/').some((segment) => /^\.+$/.test(segment))) throw new KeyStoreError('Vault transit mount must be path segments of letters, digits, _ . @ -');
    if (options.token.length === 0) throw new KeyStoreError('Vault token is empty');
    this.#base = `${normalizeBaseUrl(options.address, (why) => new KeyStoreError(`Vault address ${why}`))}/v1/${mount}`;
    this.#keyPath = encodeURIComponent(options.keyName);
    this.#keyName = options.keyName;
    this.#token = options.token;
    this.#namespace = options.namespace;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Reads the key's current version (creating the key first with `createIfMissing`), and refuses a key that would ignore the context. */
  static async connect(options: VaultTransitOptions): Promise<VaultTransitKms> {
    const kms = new VaultTransitKms(options);
    let info = await kms.#readKey();
    if (!info && options.createIfMissing) {
      await kms.#call('create key', `keys/${kms.#keyPath}`, { type: 'aes256-gcm96', derived: true });
      info = await kms.#readKey();
    }
    if (!info) throw new KeyStoreError(`no Vault transit key "${kms.#keyName}" (create it with derived=true, or pass createIfMissing)`);
    // Vault silently ignores the context on a key that is not derived: every wrap would open for every owner.
    if (!info.derived) throw new KeyStoreError(`Vault transit key "${kms.#keyName}" is not derived; it must be created with derived=true to bind wrapped keys to their owner`);
    if (!KEY_TYPES.has(info.type)) throw new KeyStoreError(`Vault transit key "${kms.#keyName}" is ${info.type}; use aes256-gcm96`);
    kms.#latest = info.latest_version;
    return kms;
  }

  /**
   * Deletes the transit key with every version, which crypto-shreds everything wrapped under it.
   * Vault refuses to delete a key until its config allows it, so this first sets
   * `deletion_allowed` (POST keys/<name>/config), then deletes (DELETE keys/<name>). A key that is
   * already gone is not an error: a retried offboarding passes here again. Returns whether there
   * was a key to delete.
   */
  static async destroy(options: Omit<VaultTransitOptions, 'createIfMissing'>): Promise<boolean> {
    const kms = new VaultTransitKms(options);
    if (!(await kms.#readKey())) return false;
    await kms.#call('allow deletion', `keys/${kms.#keyPath}/config`, { deletion_allowed: true });
    await kms.#call('delete key', `keys/${kms.#keyPath}`, undefined, undefined, 'DELETE');
    if (await kms.#readKey()) throw new KeyStoreError(`Vault transit key "${kms.#keyName}" is still there after deleting it`);
    return true;
  }

  get keyId(): string {
    return this.#keyIdOf(this.#latest);
  }

  // The key crosses as base64 in JSON strings, which JavaScript cannot wipe: the API allows nothing else.
  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    if (!Buffer.isBuffer(plaintextKey) || plaintextKey.length !== DATA_KEY_LENGTH) throw new TypeError(`key to wrap must be ${DATA_KEY_LENGTH} bytes`);
    const answer = await this.#call('encrypt', `encrypt/${this.#keyPath}`, { plaintext: plaintextKey.toString('base64'), context: derivationContext(context) });
    return this.#wrapped(answer, 'encrypt');
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    const ciphertext = this.#ciphertextOf(wrapped);
    const answer = await this.#call('decrypt', `decrypt/${this.#keyPath}`, { ciphertext, context: derivationContext(context) }, context);
    const parsed = plaintextAnswer.safeParse(answer);
    if (!parsed.success) throw new KeyStoreError('Vault answered decrypt without a plaintext');
    const key = Buffer.from(parsed.data.data.plaintext, 'base64');
    if (key.length !== DATA_KEY_LENGTH) {
      key.fill(0);
      throw new KeyUnwrapError(`wrapped key for "${context}" does not hold a ${DATA_KEY_LENGTH}-byte key`);
    }
    return key;
  }

  async rotate(): Promise<string> {
    await this.#call('rotate', `keys/${this.#keyPath}/rotate`, {});
    const info = await this.#readKey();
    if (!info) throw new KeyStoreError(`Vault transit key "${this.#keyName}" disappeared during rotation`);
    this.#latest = info.latest_version;
    return this.keyId;
  }

  /** Re-encrypts under the current version inside Vault: the preferred rotation path, as the plaintext key never leaves Vault. */
  async rewrapInPlace(wrapped: WrappedKey, context: string): Promise<WrappedKey> {
    const ciphertext = this.#ciphertextOf(wrapped);
    const answer = await this.#call('rewrap', `rewrap/${this.#keyPath}`, { ciphertext, context: derivationContext(context) }, context);
    return this.#wrapped(answer, 'rewrap');
  }

  #keyIdOf(version: number): string {
    return `vault:${this.#keyName}:v${version}`;
  }

  /** The version is taken from the ciphertext Vault returned, so the keyId is right even if another process rotated. */
  #wrapped(answer: unknown, operation: Operation): WrappedKey {
    const parsed = ciphertextAnswer.safeParse(answer);
    const match = parsed.success ? VAULT_CIPHERTEXT.exec(parsed.data.data.ciphertext) : null;
    if (!parsed.success || !match) throw new KeyStoreError(`Vault answered ${operation} without a vault:v<N>: ciphertext`);
    const version = Number(match[1]);
    this.#latest = Math.max(this.#latest, version);
    return { keyId: this.#keyIdOf(version), ciphertext: Buffer.from(parsed.data.data.ciphertext, 'utf8') };
  }

  #ciphertextOf(wrapped: WrappedKey): string {
    const prefix = `vault:${this.#keyName}:v`;
    if (!wrapped.keyId.startsWith(prefix)) throw new KeyStoreError(`master key ${wrapped.keyId} is not Vault transit key "${this.#keyName}"`);
    const ciphertext = wrapped.ciphertext.toString('utf8');
    const match = VAULT_CIPHERTEXT.exec(ciphertext);
    if (!match || Buffer.from(match[2]!, 'base64').length !== WRAPPED_LENGTH) throw new KeyUnwrapError('not a Vault transit ciphertext of a wrapped key');
    // The row's keyId and the ciphertext disagree only when one of them was altered.
    if (`${prefix}${match[1]}` !== wrapped.keyId) throw new KeyUnwrapError(`ciphertext is version v${match[1]} but its keyId says ${wrapped.keyId}`);
    return ciphertext;
  }

  async #readKey(): Promise<z.infer<typeof keyInfo>['data'] | null> {
    const answer = await this.#call('read key', `keys/${this.#keyPath}`);
    if (answer === null) return null;
    const parsed = keyInfo.safeParse(answer);
    if (!parsed.success) throw new KeyStoreError(`Vault's description of transit key "${this.#keyName}" is not understood`);
    return parsed.data.data;
  }

  /**
   * One request; resolves with the parsed JSON body (null for a 404 on a read). `unwrapContext`
   * marks decrypt and rewrap, where Vault's authentication failure means the wrapped key does not
   * open for that context.
   */
  async #call(operation: Operation, path: string, body?: object, unwrapContext?: string, method?: 'DELETE'): Promise<unknown> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json', 'x-vault-token': this.#token };
    if (this.#namespace) headers['x-vault-namespace'] = this.#namespace;
    if (body) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      // A redirect (a standby node) would carry the token to wherever it points.
      const response = await fetch(`${this.#base}/${path}`, {
        method: method ?? (body ? 'POST' : 'GET'),
        headers,
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'manual',
        signal: deadline,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const why = deadline.aborted ? `no answer within ${this.#timeoutMs} ms` : reasonOf(error);
      throw new KeyStoreError(`Vault ${operation} on transit key "${this.#keyName}" failed: ${why}`);
    }
    const json = jsonOrUndefined(text);
    if (status >= 200 && status < 300) return json ?? {};
    if (status === 404 && operation === 'read key') return null;
    const errors = errorsBody.safeParse(json);
    const said = errors.success ? errors.data.errors.join('; ').slice(0, 200) : '';
    if (unwrapContext !== undefined && status === 400 && said.includes('message authentication failed')) {
      throw new KeyUnwrapError(`wrapped key does not open for "${unwrapContext}": wrong context, or altered`);
    }
    if (status === 403) throw new KeyStoreError(`Vault denied ${operation} on transit key "${this.#keyName}" (403 ${said || 'permission denied'}): check the token and its policy`);
    if (status >= 300 && status < 400) throw new KeyStoreError(`Vault redirected ${operation} (HTTP ${status}); point the address at the active node or its load balancer`);
    throw new KeyStoreError(`Vault refused ${operation} on transit key "${this.#keyName}" (HTTP ${status}${said ? `: ${said}` : ''})`);
  }
}

function derivationContext(context: string): string {
  if (context.length === 0) throw new TypeError('a wrapped key needs a context');
  return Buffer.from(CONTEXT_PREFIX + context, 'utf8').toString('base64');
}

/** fetch hides the socket error in `cause`; its code (ECONNREFUSED, …) is what an operator needs. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown error';
}

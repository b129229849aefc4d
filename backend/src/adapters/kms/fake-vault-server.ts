import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failureInjector, listenOnLoopback, replyJson, retryAfterHeader, type FailureControls } from '../http/fake-server-kit.js';

/**
 * HashiCorp Vault's Transit engine on loopback for tests and the demo: the key, key config, key
 * deletion, encrypt, decrypt, rewrap and rotate endpoints in Vault's wire format (`vault:v<N>:`
 * ciphertexts, `{"errors": [...]}` bodies, X-Vault-Token), with real AES-256-GCM under random
 * per-version keys held in memory.
 * It reproduces Vault's traps too: a key that is not derived ignores `context`, and rewrap ignores
 * `associated_data` (hashicorp/vault#31791), so a client that relies on either fails here as it would
 * against Vault. Deleting a key is refused until its config sets `deletion_allowed`, as Vault does.
 */
export interface FakeVaultOptions {
  /** The only token accepted; a random `hvs.` token when absent. */
  token?: string;
  /** Where transit is mounted; default `transit`. */
  mount?: string;
  random?: () => number;
}

export interface FakeVaultControls extends FailureControls {
  /** The key's latest version; 0 when the key does not exist. */
  keyVersions(name: string): number;
}

export interface FakeVault {
  /** `http://127.0.0.1:{port}`, what a client is given as its Vault address. */
  url: string;
  token: string;
  controls: FakeVaultControls;
  close(): Promise<void>;
}

interface TransitKey {
  derived: boolean;
  deletionAllowed: boolean;
  /** Index 0 is version 1. */
  versions: { key: Buffer; createdAt: number }[];
}

class VaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 1 << 20;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MISSING_CONTEXT =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const token = options.token ?? `hvs.${randomBytes(18).toString('base64url')}`;
  const mount = options.mount ?? 'transit';
  const keys = new Map<string, TransitKey>();
  const failures = failureInjector(options.random ?? Math.random);

  const bad = (message: string) => new VaultError(400, message);
  const decode = (value: unknown, field: string): Buffer => {
    if (value === undefined || value === '') return Buffer.alloc(0);
    if (typeof value !== 'string' || !BASE64.test(value)) throw bad(`'${field}' is not valid base64`);
    return Buffer.from(value, 'base64');
  };

  /** Vault's DeriveKey: HKDF-SHA256 over the version key with the context as info; non-derived keys skip it and ignore the context. */
  function keyFor(transit: TransitKey, version: number, context: Buffer): Buffer {
    const base = transit.versions[version - 1]!.key;
    if (!transit.derived) return base;
    if (context.length === 0) throw bad(MISSING_CONTEXT);
    return Buffer.from(hkdfSync('sha256', base, Buffer.alloc(0), context, 32));
  }

  function seal(transit: TransitKey, context: Buffer, plaintext: Buffer, aad: Buffer): { ciphertext: string; key_version: number } {
    const version = transit.versions.length;
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', keyFor(transit, version, context), nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad);
    const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { ciphertext: `vault:v${version}:${body.toString('base64')}`, key_version: version };
  }

  function open(transit: TransitKey, context: Buffer, value: unknown, aad: Buffer): Buffer {
    if (typeof value !== 'string' || value === '') throw bad('missing ciphertext to decrypt');
    if (!value.startsWith('vault:v')) throw bad('invalid ciphertext: no prefix');
    const [versionText, encoded] = value.slice('vault:v'.length).split(/:(.*)/s);
    if (encoded === undefined) throw bad('invalid ciphertext: wrong number of fields');
    if (!/^\d+$/.test(versionText!)) throw bad('invalid ciphertext: version number could not be decoded');
    const version = Math.max(1, Number(versionText));
    if (version > transit.versions.length) throw bad('invalid ciphertext: version is too new');
    if (!BASE64.test(encoded)) throw bad('invalid ciphertext: could not decode base64');
    const raw = Buffer.from(encoded, 'base64');
    if (raw.length < NONCE_LENGTH + TAG_LENGTH) throw bad('invalid ciphertext length');
    const decipher = createDecipheriv('aes-256-gcm', keyFor(transit, version, context), raw.subarray(0, NONCE_LENGTH), { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_LENGTH));
    const plain = decipher.update(raw.subarray(NONCE_LENGTH, raw.length - TAG_LENGTH));
    try {
      decipher.final();
    } catch {
      throw bad('cipher: message authentication failed');
    }
    return plain;
  }

  function describe(name: string, transit: TransitKey) {
    const latest = transit.versions.length;
    return {
      name,
      type: 'aes256-gcm96',
      derived: transit.derived,
      kdf: transit.derived ? 'hkdf_sha256' : undefined,
      convergent_encryption: false,
      deletion_allowed: transit.deletionAllowed,
      exportable: false,
      allow_plaintext_backup: false,
      keys: Object.fromEntries(transit.versions.map((v, i) => [String(i + 1), v.createdAt])),
      latest_version: latest,
      min_available_version: 0,
      min_decryption_version: 1,
      min_encryption_version: 0,
      supports_encryption: true,
      supports_decryption: true,
      supports_derivation: true,
      supports_signing: false,
    };
  }

  const newVersion = () => ({ key: randomBytes(32), createdAt: Math.floor(Date.now() / 1000) });

  function route(method: string, path: string, body: Record<string, unknown>): { status: number; data?: unknown } {
    const match = /^([^/]+)(?:\/([^/]+))?(?:\/(rotate|config))?$/.exec(path.slice(mount.length + 1));
    if (!path.startsWith(`${mount}/`) || !match) throw new VaultError(404, `no handler for route "${path}". route entry not found.`);
    const [, endpoint, rawName, action] = match;
    const rotate = action === 'rotate' ? action : undefined;
    const name = decodeURIComponent(rawName ?? '');
    const transit = keys.get(name);
    const write = method === 'POST' || method === 'PUT';

    if (endpoint === 'keys' && name && action === 'config') {
      if (!write) throw new VaultError(405, 'unsupported operation');
      if (!transit) throw bad(`no existing key named ${name} could be found`);
      if (body.deletion_allowed !== undefined) {
        if (typeof body.deletion_allowed !== 'boolean') throw bad("'deletion_allowed' must be a boolean");
        transit.deletionAllowed = body.deletion_allowed;
      }
      return { status: 200, data: describe(name, transit) };
    }
    if (endpoint === 'keys' && name && method === 'DELETE' && !action) {
      if (!transit) throw bad(`error deleting policy ${name}: could not delete key; not found`);
      if (!transit.deletionAllowed) throw bad(`error deleting policy ${name}: deletion is not allowed for this key`);
      keys.delete(name);
      return { status: 204 };
    }
    if (endpoint === 'keys' && name && method === 'GET' && !rotate) {
      if (!transit) return { status: 404 };
      return { status: 200, data: describe(name, transit) };
    }
    if (endpoint === 'keys' && name && write && rotate) {
      if (!transit) throw bad('key not found');
      transit.versions.push(newVersion());
      return { status: 200, data: describe(name, transit) };
    }
    if (endpoint === 'keys' && name && write) {
      if (body.type !== undefined && body.type !== 'aes256-gcm96') throw bad(`the fake supports only aes256-gcm96, not "${String(body.type)}"`);
      const created = transit ?? { derived: body.derived === true, deletionAllowed: false, versions: [newVersion()] };
      keys.set(name, created);
      return { status: 200, data: describe(name, created) };
    }
    if (!write || !name || rotate || !['encrypt', 'decrypt', 'rewrap'].includes(endpoint!)) {
      throw new VaultError(405, 'unsupported operation');
    }
    if (!transit) throw bad('encryption key not found');
    const context = decode(body.context, 'context');
    if (endpoint === 'encrypt') {
      if (typeof body.plaintext !== 'string') throw bad('missing plaintext to encrypt');
      return { status: 200, data: seal(transit, context, decode(body.plaintext, 'plaintext'), decode(body.associated_data, 'associated_data')) };
    }
    if (endpoint === 'decrypt') {
      return { status: 200, data: { plaintext: open(transit, context, body.ciphertext, decode(body.associated_data, 'associated_data')).toString('base64') } };
    }
    // Vault's rewrap reads no associated_data and opens and seals without it.
    const plain = open(transit, context, body.ciphertext, Buffer.alloc(0));
    return { status: 200, data: seal(transit, context, plain, Buffer.alloc(0)) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return replyJson(res, 413, { errors: ['http: request body too large'] });
      chunks.push(chunk as Buffer);
    }
    if (req.headers['x-vault-token'] !== token) return replyJson(res, 403, { errors: ['permission denied'] });
    const failure = failures.next();
    if (failure) {
      const message = failure.status === 503 ? 'Vault is sealed' : failure.status === 429 ? 'rate limit quota exceeded' : 'internal error';
      return replyJson(res, failure.status, { errors: [message] }, retryAfterHeader(failure));
    }

    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: Record<string, unknown> = {};
    if (size > 0) {
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else throw new Error('not an object');
      } catch {
        return replyJson(res, 400, { errors: ['error parsing JSON'] });
      }
    }
    try {
      if (!pathname.startsWith('/v1/')) throw new VaultError(404, 'not found');
      const answer = route(req.method ?? 'GET', pathname.slice('/v1/'.length), body);
      if (answer.status === 404) return replyJson(res, 404, { errors: [] });
      if (answer.status === 204) return void res.writeHead(204).end();
      replyJson(res, answer.status, { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data: answer.data, wrap_info: null, warnings: null, auth: null });
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      replyJson(res, error.status, { errors: [error.message] });
    }
  }

  const server = await listenOnLoopback(handle);
  return {
    url: server.url,
    token,
    controls: {
      ...failures.controls,
      keyVersions: (name) => keys.get(name)?.versions.length ?? 0,
    },
    close: () => server.close(),
  };
}

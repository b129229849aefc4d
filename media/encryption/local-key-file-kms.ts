import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncPath } from '../durable.js';
import { KeyStoreError } from './errors.js';
import { newDataKey, unwrapKey, wrapKey } from './keys.js';
import type { KeyEncryptionService, WrappedKey } from './kms.js';

const FILE_FORMAT = 'parley-local-kms';
const FILE_VERSION = 1;
const KEY_ID = /^mk-[0-9a-f]{16}$/;

interface MasterKey {
  id: string;
  key: Buffer;
  createdAt: string;
}

interface KeyRing {
  current: string;
  keys: MasterKey[];
}

/**
 * Tenant master keys in one local JSON file (owner-only, 0600), for a single host or until Vault
 * Transit is wired in. Losing the file loses every recording under it: back it up apart from the
 * recordings. One file per tenant; older versions stay until `retire` so rotation never strands a key.
 */
export class LocalKeyFileKms implements KeyEncryptionService {
  private constructor(
    private readonly file: string,
    private ring: KeyRing,
  ) {}

  /** Loads the key file, creating it with a first master key when absent. */
  static async open(file: string): Promise<LocalKeyFileKms> {
    await removeStaleTemps(file);
    return new LocalKeyFileKms(file, (await loadRing(file)) ?? (await createRing(file)));
  }

  get keyId(): string {
    return this.ring.current;
  }

  /** Every master key version held, oldest first. */
  get keyIds(): string[] {
    return this.ring.keys.map((k) => k.id);
  }

  async wrap(plaintextKey: Buffer, context: string): Promise<WrappedKey> {
    const current = this.ring.keys.find((k) => k.id === this.ring.current)!;
    return { keyId: current.id, ciphertext: wrapKey(current.key, plaintextKey, context) };
  }

  async unwrap(wrapped: WrappedKey, context: string): Promise<Buffer> {
    return unwrapKey(await this.masterKey(wrapped.keyId), wrapped.ciphertext, context);
  }

  async rotate(): Promise<string> {
    const next = await this.update((ring) => {
      const key = freshMasterKey();
      return { current: key.id, keys: [...ring.keys, key] };
    });
    return next.current;
  }

  /**
   * Crypto-shreds the whole key file: every version, and any temp copy a killed writer left. Each
   * file is overwritten with random bytes and synced before it is unlinked, so the key does not
   * survive in the freed blocks of a plain file system (copy-on-write file systems and SSD
   * remapping may still keep old blocks: back up and encrypt the disk accordingly). Destroying a
   * file that does not exist is not an error. Returns whether there was a key to destroy.
   */
  static async destroy(file: string): Promise<boolean> {
    const dir = path.dirname(file);
    const pattern = tempPattern(file);
    const names = await readdir(dir).catch(() => [] as string[]);
    const copies = names.filter((n) => pattern.test(n)).map((n) => path.join(dir, n));
    const existed = await shred(file);
    for (const copy of copies) await shred(copy);
    await unlink(`${file}.lock`).catch(() => undefined);
    if (existed || copies.length > 0) await syncPath(dir);
    return existed;
  }

  /** Deletes a master key version once nothing is wrapped under it: everything still under it is shredded. */
  async retire(keyId: string): Promise<void> {
    await this.update((ring) => {
      if (ring.current === keyId) throw new KeyStoreError('the current master key cannot be retired; rotate first');
      if (!ring.keys.some((k) => k.id === keyId)) throw new KeyStoreError(`no master key ${keyId}`);
      return { current: ring.current, keys: ring.keys.filter((k) => k.id !== keyId) };
    });
  }

  private async masterKey(keyId: string): Promise<Buffer> {
    let found = this.ring.keys.find((k) => k.id === keyId);
    if (!found) {
      // Another process may have rotated since this one loaded the file.
      this.ring = (await loadRing(this.file)) ?? this.ring;
      found = this.ring.keys.find((k) => k.id === keyId);
    }
    if (!found) throw new KeyStoreError(`no master key ${keyId} in the key file`);
    return found.key;
  }

  /** Read-modify-write under a lock file, so two rotations cannot drop each other's key. */
  private async update(change: (ring: KeyRing) => KeyRing): Promise<KeyRing> {
    const lock = `${this.file}.lock`;
    const held = await open(lock, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new KeyStoreError(`${lock} exists: another rotation is running, or one crashed (then remove it)`);
      throw error;
    });
    try {
      const ring = await loadRing(this.file);
      if (!ring) throw new KeyStoreError(`${this.file} disappeared`);
      const next = change(ring);
      await writeNew(`${this.file}.${randomBytes(6).toString('hex')}.tmp`, next, (tmp) => rename(tmp, this.file));
      this.ring = next;
      return next;
    } finally {
      await held.close();
      await unlink(lock);
    }
  }
}

/** `<file>.<hex>.tmp`: what `writeNew` writes before publishing it under `file`. */
function tempPattern(file: string): RegExp {
  return new RegExp(`^${path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-f]{12}\\.tmp$`);
}

/** A temp file this old was left by a process killed between writing and publishing it. */
const STALE_TEMP_MS = 60_000;

/**
 * A killed writer can leave `<file>.<hex>.tmp`: an unused key, or a second name for the key file
 * that would outlive a retired key. Young ones may belong to a writer still at work.
 */
async function removeStaleTemps(file: string): Promise<void> {
  const dir = path.dirname(file);
  const pattern = tempPattern(file);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => pattern.test(n))) {
    const temp = path.join(dir, name);
    const age = Date.now() - (await stat(temp).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > STALE_TEMP_MS) await unlink(temp).catch(() => undefined);
  }
}

/** Overwrites a file in place with random bytes, syncs, unlinks. False when it was not there. */
async function shred(file: string): Promise<boolean> {
  const handle = await open(file, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return false;
  try {
    const { size } = await handle.stat();
    await handle.write(randomBytes(Math.max(size, 1)), 0, Math.max(size, 1), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(file);
  return true;
}

function freshMasterKey(): MasterKey {
  return { id: `mk-${randomBytes(8).toString('hex')}`, key: newDataKey(), createdAt: new Date().toISOString() };
}

async function createRing(file: string): Promise<KeyRing> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = freshMasterKey();
  const ring = { current: key.id, keys: [key] };
  try {
    // link() refuses an existing target: of two processes creating at once, one file wins whole.
    await writeNew(`${file}.${randomBytes(6).toString('hex')}.tmp`, ring, async (tmp) => {
      try {
        await link(tmp, file);
      } finally {
        await unlink(tmp);
      }
    });
    return ring;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = await loadRing(file);
    if (!other) throw new KeyStoreError(`${file} vanished while being created`);
    return other;
  }
}

/** Writes a 0600 temp file, syncs it, then hands it to `publish` (rename or link into place). */
async function writeNew(tmp: string, ring: KeyRing, publish: (tmp: string) => Promise<void>): Promise<void> {
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(serialize(ring));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await publish(tmp);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await syncPath(path.dirname(tmp));
}

/** Null when the file does not exist; throws when it is unsafe or malformed. */
async function loadRing(file: string): Promise<KeyRing | null> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return null;
  try {
    // Checked on the open descriptor, so the file judged is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw new KeyStoreError(`${file} is not a regular file`);
    if ((stats.mode & 0o077) !== 0) {
      const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyStoreError(`${file} is open to group or others (mode ${mode}); it must be 0600`);
    }
    return parse(file, await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

function serialize(ring: KeyRing): string {
  const keys = ring.keys.map((k) => ({ id: k.id, key: k.key.toString('base64'), createdAt: k.createdAt }));
  return `${JSON.stringify({ format: FILE_FORMAT, version: FILE_VERSION, current: ring.current, keys }, null, 2)}\n`;
}

function parse(file: string, text: string): KeyRing {
  const malformed = (why: string) => new KeyStoreError(`${file} is not a usable key file: ${why}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  const doc = data as { format?: unknown; version?: unknown; current?: unknown; keys?: unknown };
  if (doc.format !== FILE_FORMAT || doc.version !== FILE_VERSION) throw malformed('unknown format or version');
  if (!Array.isArray(doc.keys)) throw malformed('no keys');
  const keys = doc.keys.map((entry: { id?: unknown; key?: unknown; createdAt?: unknown }) => {
    if (typeof entry.id !== 'string' || !KEY_ID.test(entry.id) || typeof entry.key !== 'string') throw malformed('bad key entry');
    const key = Buffer.from(entry.key, 'base64');
    if (key.length !== 32) throw malformed(`key ${entry.id} is not 32 bytes`);
    return { id: entry.id, key, createdAt: typeof entry.createdAt === 'string' ? entry.createdAt : '' };
  });
  if (typeof doc.current !== 'string' || !keys.some((k) => k.id === doc.current)) throw malformed('current key missing');
  return { current: doc.current, keys };
}

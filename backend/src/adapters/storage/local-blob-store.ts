import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { syncPath } from '../../../../media/durable.js';
import { BlobNotFoundError, BlobStoreUnavailableError, type BlobReader, type BlobStore } from '../../ports/blob-store.js';

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$/;
/** Errors that go away when an operator frees space or fixes the mount: the job waits and retries. */
const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'ENOTCONN', 'ESTALE']);

/** Blobs as files under one folder (by default `<data dir>/store`), owner-only. */
export class LocalBlobStore implements BlobStore {
  constructor(
    private readonly root: string,
    readonly location = 'local',
    readonly region = 'eu',
  ) {}

  async put(key: string, body: Readable, size: number): Promise<void> {
    const file = this.pathOf(key);
    // One writer per key (the job's lease), so a fixed partial name is safe and a retry overwrites it.
    const partial = `${file}.partial`;
    try {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await pipeline(body, createWriteStream(partial, { mode: 0o600 }));
      await syncPath(partial);
      const written = (await stat(partial)).size;
      if (written !== size) throw new Error(`wrote ${written} bytes of ${size} for "${key}"`);
      await rename(partial, file);
      // The rename (and a new tenant folder) must reach the disk before the caller deletes its copy.
      await syncPath(path.dirname(file));
      await syncPath(path.dirname(path.dirname(file)));
    } catch (error) {
      await rm(partial, { force: true });
      throw translate(error, key);
    }
  }

  async putFile(key: string, source: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await syncPath(source);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await rename(source, file);
    } catch (error) {
      // Another disk: copied in, with put's guarantees.
      if ((error as NodeJS.ErrnoException).code === 'EXDEV') {
        await this.put(key, createReadStream(source), (await stat(source)).size);
        await rm(source, { force: true });
        return;
      }
      throw translate(error, key);
    }
    await syncPath(path.dirname(file));
    await syncPath(path.dirname(path.dirname(file)));
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await stat(this.pathOf(key))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw translate(error, key);
    }
  }

  async open(key: string): Promise<BlobReader> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      return {
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        stat: () => handle.stat(),
        close: () => handle.close(),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw translate(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new TypeError(`not a storable key: "${key}"`);
    }
    return path.join(this.root, key);
  }
}

function translate(error: unknown, key: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && TRANSIENT.has(code)) return new BlobStoreUnavailableError(`local storage cannot write "${key}" (${code})`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

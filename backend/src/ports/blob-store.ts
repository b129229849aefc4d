import type { Readable } from 'node:stream';
import type { RandomAccessFile } from '../../../media/encryption/header.js';

/**
 * Where encrypted recordings are kept: the local disk under the data dir, or S3-compatible
 * object storage. Only ciphertext ever passes through this port.
 */
export interface BlobStore {
  /** Name of the storage location, as meeting types refer to it (e.g. "local", "eu-s3"). */
  readonly location: string;
  /** Where the bytes physically are, e.g. "eu-central-1" or "eu"; checked against a tenant's allowed regions. */
  readonly region: string;
  /**
   * Writes the whole object or nothing: a reader never sees a partial object under `key`.
   * Writing the same key again replaces it, so a retried upload stores the recording once.
   * Large bodies go up in parts (S3 multipart).
   */
  put(key: string, body: Readable, size: number): Promise<void>;
  /**
   * Stores a finished local file under `key` and takes it: afterwards the file is gone. The
   * local store moves it in (no copy when it is on the same disk); others upload it like `put`.
   */
  putFile(key: string, file: string): Promise<void>;
  /** Size of the stored object, or null when there is none. */
  head(key: string): Promise<{ size: number } | null>;
  /** Random access for range reads; close it when done. Throws `BlobNotFoundError` when absent. */
  open(key: string): Promise<BlobReader>;
  /** Removes the object; removing an absent object is not an error. */
  delete(key: string): Promise<void>;
}

export interface BlobReader extends RandomAccessFile {
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object "${key}"`);
    this.name = 'BlobNotFoundError';
  }
}

/** The store could not be reached or refused the write (full, down, denied): worth retrying later. */
export class BlobStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreUnavailableError';
  }
}

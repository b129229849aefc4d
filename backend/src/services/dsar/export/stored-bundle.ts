import { Readable } from 'node:stream';
import { BlobNotFoundError, type BlobReader, type BlobStore } from '../../../ports/blob-store.js';

const READ_SIZE = 1024 * 1024;

async function* blobBytes(reader: BlobReader, size: number, close: () => Promise<void>): AsyncGenerator<Buffer> {
  try {
    for (let position = 0; position < size; ) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, size - position));
      const { bytesRead } = await reader.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) throw new Error('the stored bundle ended early');
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await close();
  }
}

export interface StoredBundle {
  stores: ReadonlyMap<string, BlobStore>;
  storageLocation: string;
  objectKey: string;
  sizeBytes: number;
}

/**
 * Opens a stored, age-encrypted bundle (a data-subject export or a whole account's) as a stream.
 * `gone` is thrown when its store or blob is no longer there. `record` runs before the first
 * byte goes out — the audit of the download — and if it fails, nothing is sent.
 */
export async function streamStoredBundle(bundle: StoredBundle, gone: () => Error, record: () => Promise<void>): Promise<Readable> {
  const store = bundle.stores.get(bundle.storageLocation);
  if (!store) throw gone();
  let reader: BlobReader;
  try {
    reader = await store.open(bundle.objectKey);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw gone();
    throw error;
  }
  try {
    await record();
  } catch (error) {
    await reader.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= reader.close());
  const stream = Readable.from(blobBytes(reader, bundle.sizeBytes, close));
  // A download dropped before its first read never enters blobBytes, whose finally would close the file.
  stream.once('close', () => void close().catch(() => undefined));
  return stream;
}

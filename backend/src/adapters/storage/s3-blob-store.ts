import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobNotFoundError, BlobStoreUnavailableError, type BlobReader, type BlobStore } from '../../ports/blob-store.js';

export interface S3BlobStoreOptions {
  location: string;
  /** Where the bucket is; also the region requests are signed for. */
  region: string;
  bucket: string;
  /** Put in front of every key as is, e.g. "recordings/". */
  prefix?: string;
  /** For S3-compatible stores (MinIO, Ceph, a fake); AWS's own endpoint when absent. */
  endpoint?: string;
  /** `/bucket/key` addressing, which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** The SDK's default provider chain (instance role, profile) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size; S3 refuses parts under 5 MiB except the last. */
  partSizeBytes?: number;
  /** Limit for one HTTP request, body upload included; the SDK retries a request that runs over. */
  requestTimeoutMs?: number;
}

export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** S3 error names worth retrying whatever their status: throttling and S3's own idle-socket timeout (400). */
const TRANSIENT_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestTimeout', 'TimeoutError']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The SDK's HTTP handler warns on the console unless given a logger; this adapter never logs. */
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface SdkErrorFields {
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** 404 → BlobNotFoundError, network/5xx/throttling/timeouts → BlobStoreUnavailableError, the rest explained. */
function translate(error: unknown, action: string, key: string): Error {
  if (!(error instanceof Error)) return new Error(`S3 ${action} of "${key}" failed: ${String(error)}`);
  if (error instanceof BlobNotFoundError || error instanceof BlobStoreUnavailableError) return error;
  const { code, $metadata } = error as Error & SdkErrorFields;
  const status = $metadata?.httpStatusCode;
  // NotFound is the SDK's name for a body-less 404 (HEAD); NoSuchBucket stays a configuration error.
  if (status === 404 && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return new BlobNotFoundError(key);
  // Answers without a body (HEAD) reach us as "Unknown: UnknownError"; the status says more.
  const bodiless = error.name === 'Unknown' || error.message === 'UnknownError';
  const described = bodiless && status !== undefined ? (STATUS_CODES[status] ?? 'no error body') : `${error.name}: ${error.message}`;
  const detail = status === undefined ? described : `HTTP ${status} ${described}`;
  if (TRANSIENT_NAMES.has(error.name) || NETWORK_CODES.has(code ?? '') || (status !== undefined && (status >= 500 || status === 429))) {
    return new BlobStoreUnavailableError(`S3 ${action} of "${key}" failed, worth retrying (${detail})`, { cause: error });
  }
  // Not an answer from S3 (e.g. the body stream failed, no credentials found): its own message says it.
  if (status === undefined) return error;
  const hint = status === 403 ? '; check the access key, the secret key and the bucket policy' : '';
  return new Error(`S3 refused the ${action} of "${key}" (${detail})${hint}`, { cause: error });
}

/** Passes the body through and fails it, so the upload is aborted, unless it is exactly `size` bytes. */
async function* exactly(body: Readable, size: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    seen += bytes.length;
    if (seen > size) throw new Error(`body is longer than the declared ${size} bytes`);
    yield bytes;
  }
  if (seen !== size) throw new Error(`body ended after ${seen} of the declared ${size} bytes`);
}

/**
 * A BlobStore on S3 or an S3-compatible store. Whole-or-nothing writes come from S3 itself: a
 * PUT or a completed multipart upload replaces the object atomically, and a failed multipart
 * upload is aborted so no parts linger.
 */
export class S3BlobStore implements BlobStore {
  readonly location: string;
  readonly region: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSizeBytes: number;

  constructor(options: S3BlobStoreOptions) {
    const partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    if (!Number.isInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new RangeError(`S3 part size must be a whole number of bytes, at least ${MIN_PART_SIZE_BYTES}`);
    }
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.location = options.location;
    this.region = options.region;
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSizeBytes = partSizeBytes;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // Without throwOnRequestTimeout the handler only warns when a request runs over.
      requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, socketTimeout: timeout, throwOnRequestTimeout: true, logger: silent },
    });
  }

  async put(key: string, body: Readable, size: number): Promise<void> {
    const source = Readable.from(exactly(body, size));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.objectKey(key), Body: source },
      partSize: this.partSizeBytes,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      // Upload stops reading once it fails; release the caller's stream rather than leave it paused.
      source.destroy();
      body.destroy();
      throw translate(error, 'upload', key);
    }
    const stored = await this.head(key);
    if (stored?.size !== size) {
      throw new Error(`S3 upload of "${key}" left ${stored ? `${stored.size} bytes` : 'no object'} where ${size} bytes were sent`);
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.put(key, createReadStream(file), (await stat(file)).size);
    await rm(file, { force: true });
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await this.headObject(key)).size };
    } catch (error) {
      if (error instanceof BlobNotFoundError) return null;
      throw error;
    }
  }

  async open(key: string): Promise<BlobReader> {
    const { size, etag } = await this.headObject(key);
    return new S3BlobReader(this.client, this.bucket, this.objectKey(key), key, size, etag);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      throw translate(error, 'delete', key);
    }
  }

  /** Closes the client's keep-alive connections; the store is unusable afterwards. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.prefix}${key}`;
  }

  private async headObject(key: string): Promise<{ size: number; etag: string | undefined }> {
    let answer;
    try {
      answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      throw translate(error, 'head', key);
    }
    if (answer.ContentLength === undefined) throw new Error(`S3 answered HEAD of "${key}" without a Content-Length`);
    return { size: answer.ContentLength, etag: answer.ETag };
  }
}

/**
 * One ranged GET per read. Reads are pinned to the ETag seen at open (If-Match), so an object
 * replaced meanwhile fails the read with PreconditionFailed instead of mixing two versions.
 */
class S3BlobReader implements BlobReader {
  private closed = false;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly objectKey: string,
    private readonly key: string,
    private readonly size: number,
    private readonly etag: string | undefined,
  ) {}

  async stat(): Promise<{ size: number }> {
    return { size: this.size };
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    if (this.closed) throw new Error(`reader for "${this.key}" is closed`);
    const end = Math.min(position + Math.min(length, buffer.length - offset), this.size);
    if (end <= position) return { bytesRead: 0 };
    let bytes: Uint8Array;
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey, Range: `bytes=${position}-${end - 1}`, IfMatch: this.etag }),
      );
      // A store that ignores Range answers 200 with the whole object; its first bytes are not the ones asked for.
      if (!answer.ContentRange?.startsWith(`bytes ${position}-`)) throw new Error(`S3 answered a read of "${this.key}" without the requested range`);
      bytes = await answer.Body!.transformToByteArray();
    } catch (error) {
      throw translate(error, 'read', this.key);
    }
    const bytesRead = Math.min(bytes.length, end - position);
    buffer.set(bytes.subarray(0, bytesRead), offset);
    return { bytesRead };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

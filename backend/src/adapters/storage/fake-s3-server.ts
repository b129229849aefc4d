import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failureInjector, listenOnLoopback, retryAfterHeader, type FailureControls } from '../http/fake-server-kit.js';

/**
 * An S3 REST endpoint on loopback for tests and the demo: path-style buckets, the object and
 * multipart calls the SDK makes, real Signature V4 checks (with payload hashes, aws-chunked
 * bodies and checksums verified), S3's XML errors, and the failures a store produces on demand.
 * Objects live in memory.
 */
export type S3Operation =
  | 'CreateBucket' | 'PutObject' | 'HeadObject' | 'GetObject' | 'DeleteObject'
  | 'CreateMultipartUpload' | 'UploadPart' | 'CompleteMultipartUpload' | 'AbortMultipartUpload';

export interface FakeS3Options {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  random?: () => number;
}

export interface FakeS3Controls extends FailureControls {
  /** A snapshot, empty for an unknown bucket; `parts` is 1 for a single PUT. */
  objects(bucket: string): Map<string, { size: number; sha256: string; etag: string; parts: number }>;
  uploadsInProgress(): number;
  /** UploadPart requests accepted so far, over all uploads. */
  partsReceived(): number;
  requests(): { operation: S3Operation | 'Unsupported'; status: number }[];
  /** Injected failures hit only these operations, or every operation when null (the default). */
  failOnly(operations: S3Operation[] | null): void;
  /**
   * While on, writes carrying data are refused as MinIO refuses them below its free-space
   * threshold: 507 `XMinioStorageFull`. AWS itself never runs full, and MinIO is the S3-compatible
   * store that answers a full disk distinctly; a store must treat 507 as retryable later.
   */
  setFull(full: boolean): void;
}

export interface FakeS3 {
  /** The endpoint, `http://127.0.0.1:{port}`; use path-style addressing. */
  url: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  controls: FakeS3Controls;
  close(): Promise<void>;
}

interface StoredObject { body: Buffer; etag: string; parts: number; lastModified: Date }
interface StoredPart { body: Buffer; etag: string; checksums: Map<string, string> }
interface MultipartUpload { bucket: string; key: string; checksumAlgorithm?: string; parts: Map<number, StoredPart> }

/** S3's own status and wording for each error this fake answers. */
const S3_ERRORS = {
  AccessDenied: [403, 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  BadDigest: [400, 'The checksum you specified did not match the calculated checksum.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed size'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the x-amz-decoded-content-length header.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Part number must be an integer between 1 and 10000, inclusive'],
  InvalidPart: [400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  ServiceUnavailable: [503, 'Service is unable to handle request.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
  XMinioStorageFull: [507, 'Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed.'],
} as const satisfies Record<string, readonly [number, string]>;

class S3Reply extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(readonly code: keyof typeof S3_ERRORS, options: { message?: string; status?: number; headers?: Record<string, string> } = {}) {
    super(options.message ?? S3_ERRORS[code][1]);
    this.status = options.status ?? S3_ERRORS[code][0];
    this.headers = options.headers ?? {};
  }
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Bounds one request in memory; S3's own limits (5 GiB) make no sense for an in-memory fake. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AUTH_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): string {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
/** CRC32C and CRC64NVME are absent: a request using them is answered 501 rather than stored unchecked. */
const checksummers: Record<string, (bytes: Buffer) => string> = {
  crc32,
  sha1: (bytes) => createHash('sha1').update(bytes).digest('base64'),
  sha256: (bytes) => createHash('sha256').update(bytes).digest('base64'),
};

const headerOf = (req: IncomingMessage, name: string) => req.headersDistinct[name]?.join(',');
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const md5Etag = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
const unescapeXml = (text: string) => text.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => Object.keys(XML_ENTITIES).find((c) => XML_ENTITIES[c] === entity)!);
/** S3's answers carry its namespace; its <Error> documents do not. */
const xmlDocument = (name: string, fields: Record<string, string>) => {
  const namespace = name === 'Error' ? '' : ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
  const content = Object.entries(fields).map(([tag, value]) => `<${tag}>${escapeXml(value)}</${tag}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name}${namespace}>${content}</${name}>`;
};
/** RFC 3986 unreserved characters stay; everything else is percent-encoded, as SigV4 requires. */
const encodeStrict = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Reply('InvalidURI');
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (total > MAX_BODY_BYTES) throw new S3Reply('EntityTooLarge');
  return Buffer.concat(chunks);
}

/** `content-encoding: aws-chunked`: `hex-size[;ext]\r\n data \r\n` … `0\r\n` then trailer lines. */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Map<string, string> } {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    const size = eol < 0 ? NaN : parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isInteger(size) || eol + 2 + size > raw.length) throw new S3Reply('IncompleteBody', { message: 'The aws-chunked body is cut short.' });
    at = eol + 2;
    if (size === 0) break;
    chunks.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const trailers = new Map<string, string>();
  for (const line of raw.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { body: Buffer.concat(chunks), trailers };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  // S3 ignores a Range it cannot parse and answers the whole object.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (start >= size) return 'unsatisfiable';
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return end < start ? undefined : { start, end };
}

function operationOf(method: string, key: string, params: Map<string, string>, req: IncomingMessage): S3Operation | undefined {
  if (!key) return method === 'PUT' && params.size === 0 ? 'CreateBucket' : undefined;
  const subresources = [...params.keys()].filter((name) => name !== 'x-id');
  if (method === 'PUT') return params.has('uploadId') ? 'UploadPart' : subresources.length || headerOf(req, 'x-amz-copy-source') ? undefined : 'PutObject';
  if (method === 'POST') return params.has('uploads') ? 'CreateMultipartUpload' : params.has('uploadId') ? 'CompleteMultipartUpload' : undefined;
  if (method === 'DELETE') return params.has('uploadId') ? 'AbortMultipartUpload' : subresources.length ? undefined : 'DeleteObject';
  if (subresources.length) return undefined;
  return method === 'GET' ? 'GetObject' : method === 'HEAD' ? 'HeadObject' : undefined;
}

export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  const credentials = {
    accessKeyId: options.accessKeyId ?? 'AKIAFAKES3EXAMPLE0001',
    secretAccessKey: options.secretAccessKey ?? 'fake-s3-secret-key-wJalrXUtnFEMI/K7MDENG',
  };
  const region = options.region ?? 'eu-central-1';
  const failures = failureInjector(options.random ?? Math.random);
  const buckets = new Map<string, Map<string, StoredObject>>();
  const uploads = new Map<string, MultipartUpload>();
  const log: { operation: S3Operation | 'Unsupported'; status: number }[] = [];
  let failOnly: S3Operation[] | null = null;
  let full = false;
  let partsReceived = 0;

  function verifySignature(req: IncomingMessage, path: string, query: [string, string][]): void {
    const header = (name: string) => (req.headersDistinct[name] ?? []).map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
    if (!req.headers.authorization) throw new S3Reply('AccessDenied');
    const auth = AUTH_PATTERN.exec(header('authorization'));
    if (!auth) throw new S3Reply('AuthorizationHeaderMalformed');
    const [, accessKeyId, day, scopeRegion, service, signedList, signature] = auth as unknown as string[];
    if (accessKeyId !== credentials.accessKeyId) throw new S3Reply('InvalidAccessKeyId');
    if (scopeRegion !== region || service !== 's3') {
      const message = `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`;
      throw new S3Reply('AuthorizationHeaderMalformed', { message });
    }
    const amzDate = header('x-amz-date');
    const time = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!amzDate.startsWith(day!) || Number.isNaN(time)) throw new S3Reply('AccessDenied', { message: 'AWS authentication requires a valid Date or x-amz-date header' });
    if (Math.abs(Date.now() - time) > MAX_CLOCK_SKEW_MS) throw new S3Reply('RequestTimeTooSkewed');
    const signed = signedList!.split(';');
    const unsigned = Object.keys(req.headers).filter((name) => name.startsWith('x-amz-') && !signed.includes(name));
    if (!signed.includes('host') || unsigned.length) {
      throw new S3Reply('AccessDenied', { message: `There were headers present in the request which were not signed: ${unsigned.join(', ') || 'host'}` });
    }
    const canonicalQuery = query
      .map(([name, value]) => [encodeStrict(name), encodeStrict(value)])
      .sort(([a, x], [b, y]) => (a! < b! ? -1 : a! > b! ? 1 : x! < y! ? -1 : x! > y! ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    const canonicalRequest = [
      req.method,
      decode(path).split('/').map(encodeStrict).join('/'),
      canonicalQuery,
      ...signed.map((name) => `${name}:${header(name)}`),
      '',
      signedList,
      header('x-amz-content-sha256'),
    ].join('\n');
    const scope = `${day}/${region}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day!), region), 's3'), 'aws4_request');
    if (!timingSafeEqual(Buffer.from(hmac(signingKey, stringToSign).toString('hex')), Buffer.from(signature!))) {
      throw new S3Reply('SignatureDoesNotMatch');
    }
  }

  /** The body as stored: payload hash checked, aws-chunked decoded, every x-amz-checksum-* verified. */
  function payloadOf(req: IncomingMessage, raw: Buffer): { body: Buffer; checksums: Map<string, string> } {
    const payloadHash = headerOf(req, 'x-amz-content-sha256');
    let body = raw;
    let trailers = new Map<string, string>();
    if (payloadHash === undefined) throw new S3Reply('InvalidRequest', { message: 'Missing required header: x-amz-content-sha256' });
    if (payloadHash === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
      ({ body, trailers } = decodeAwsChunked(raw));
      if (Number(headerOf(req, 'x-amz-decoded-content-length')) !== body.length) throw new S3Reply('IncompleteBody');
    } else if (payloadHash.startsWith('STREAMING-')) {
      throw new S3Reply('NotImplemented', { message: `This fake does not verify ${payloadHash} chunk signatures.` });
    } else if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(raw)) {
      throw new S3Reply('XAmzContentSHA256Mismatch');
    }
    const checksums = new Map<string, string>();
    for (const [name, value] of [...Object.entries(req.headers), ...trailers]) {
      const algorithm = /^x-amz-checksum-(\w+)$/.exec(name)?.[1];
      if (!algorithm || ['algorithm', 'mode', 'type'].includes(algorithm)) continue;
      const compute = checksummers[algorithm];
      if (!compute) throw new S3Reply('NotImplemented', { message: `This fake does not compute ${algorithm} checksums.` });
      if (compute(body) !== value) throw new S3Reply('BadDigest', { message: `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.` });
      checksums.set(algorithm, String(value));
    }
    return { body, checksums };
  }

  const checksumHeaders = (checksums: Map<string, string>) => Object.fromEntries([...checksums].map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value]));
  const objectHeaders = (o: StoredObject) =>
    ({ etag: o.etag, 'last-modified': o.lastModified.toUTCString(), 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' });
  const bucketOf = (bucket: string, create = false) => {
    if (create && !buckets.has(bucket)) buckets.set(bucket, new Map());
    const objects = buckets.get(bucket);
    if (!objects) throw new S3Reply('NoSuchBucket');
    return objects;
  };
  const uploadOf = (bucket: string, key: string, uploadId: string | undefined) => {
    const upload = uploads.get(uploadId ?? '');
    if (!upload || upload.bucket !== bucket || upload.key !== key) throw new S3Reply('NoSuchUpload');
    return upload;
  };

  function completeUpload(upload: MultipartUpload, xml: string): StoredObject {
    const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => {
      const field = (tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(part!)?.[1];
      const checksum = upload.checksumAlgorithm && field(`Checksum${upload.checksumAlgorithm.toUpperCase()}`);
      return { number: Number(field('PartNumber')), etag: unescapeXml(field('ETag') ?? '').replace(/"/g, ''), checksum };
    });
    if (!/<CompleteMultipartUpload[\s>]/.test(xml) || listed.length === 0) throw new S3Reply('MalformedXML');
    const bodies: Buffer[] = [];
    const digests: Buffer[] = [];
    listed.forEach((entry, index) => {
      if (index > 0 && entry.number <= listed[index - 1]!.number) throw new S3Reply('InvalidPartOrder');
      const part = upload.parts.get(entry.number);
      const checksumMismatch = upload.checksumAlgorithm && entry.checksum !== part?.checksums.get(upload.checksumAlgorithm);
      if (!part || part.etag.replace(/"/g, '') !== entry.etag || checksumMismatch) throw new S3Reply('InvalidPart');
      if (index < listed.length - 1 && part.body.length < MIN_PART_SIZE) throw new S3Reply('EntityTooSmall');
      bodies.push(part.body);
      digests.push(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
    });
    const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${listed.length}"`;
    return { body: Buffer.concat(bodies), etag, parts: listed.length, lastModified: new Date() };
  }

  async function serve(req: IncomingMessage, res: ServerResponse, record: (typeof log)[number]): Promise<void> {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const query = (url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
      .split('&')
      .filter(Boolean)
      .map((pair): [string, string] => (pair.includes('=') ? [decode(pair.slice(0, pair.indexOf('='))), decode(pair.slice(pair.indexOf('=') + 1))] : [decode(pair), '']));
    const params = new Map(query);
    const raw = await readBody(req);
    const [, bucket = '', ...keyParts] = decode(path).split('/');
    const key = keyParts.join('/');
    const method = req.method ?? 'GET';
    const operation = bucket ? operationOf(method, key, params, req) : undefined;
    record.operation = operation ?? 'Unsupported';
    verifySignature(req, path, query);
    if (!operation) throw new S3Reply('NotImplemented');
    const { body, checksums } = payloadOf(req, raw);
    const failure = failOnly === null || failOnly.includes(operation) ? failures.next() : undefined;
    if (failure) {
      const code = failure.status === 500 ? 'InternalError' : failure.status === 503 || failure.status === 429 ? 'SlowDown' : 'ServiceUnavailable';
      throw new S3Reply(code, { status: failure.status, headers: retryAfterHeader(failure) });
    }
    if (full && (operation === 'PutObject' || operation === 'UploadPart')) {
      throw new S3Reply('XMinioStorageFull');
    }
    const send = (status: number, headers: Record<string, string | number> = {}, content?: Buffer | string) => {
      record.status = status;
      res.writeHead(status, { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), ...headers });
      res.end(content);
    };
    const sendXml = (name: string, fields: Record<string, string>) => send(200, { 'content-type': 'application/xml' }, xmlDocument(name, fields));

    switch (operation) {
      case 'CreateBucket':
        bucketOf(bucket, true);
        return send(200, { location: `/${bucket}` });
      case 'PutObject': {
        const stored = { body, etag: md5Etag(body), parts: 1, lastModified: new Date() };
        bucketOf(bucket, true).set(key, stored);
        return send(200, { etag: stored.etag, ...checksumHeaders(checksums) });
      }
      case 'HeadObject':
      case 'GetObject': {
        const stored = bucketOf(bucket).get(key);
        if (!stored) throw new S3Reply('NoSuchKey');
        const ifMatch = headerOf(req, 'if-match');
        if (ifMatch && ifMatch !== '*' && ifMatch.replace(/"/g, '') !== stored.etag.replace(/"/g, '')) {
          throw new S3Reply('PreconditionFailed');
        }
        const range = operation === 'GetObject' ? parseRange(headerOf(req, 'range'), stored.body.length) : undefined;
        if (range === 'unsatisfiable') throw new S3Reply('InvalidRange', { headers: { 'content-range': `bytes */${stored.body.length}` } });
        if (!range) return send(200, { ...objectHeaders(stored), 'content-length': stored.body.length }, operation === 'GetObject' ? stored.body : undefined);
        const slice = stored.body.subarray(range.start, range.end + 1);
        return send(206, { ...objectHeaders(stored), 'content-length': slice.length, 'content-range': `bytes ${range.start}-${range.end}/${stored.body.length}` }, slice);
      }
      case 'DeleteObject':
        bucketOf(bucket).delete(key);
        return send(204);
      case 'CreateMultipartUpload': {
        bucketOf(bucket, true);
        const uploadId = randomBytes(24).toString('base64url');
        uploads.set(uploadId, { bucket, key, checksumAlgorithm: headerOf(req, 'x-amz-checksum-algorithm')?.toLowerCase(), parts: new Map() });
        return sendXml('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
      }
      case 'UploadPart': {
        const upload = uploadOf(bucket, key, params.get('uploadId'));
        const partNumber = Number(params.get('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw new S3Reply('InvalidArgument');
        if (upload.checksumAlgorithm && !checksums.has(upload.checksumAlgorithm)) {
          throw new S3Reply('InvalidRequest', { message: `The upload was created using a ${upload.checksumAlgorithm} checksum. The part must include it.` });
        }
        const part = { body, etag: md5Etag(body), checksums };
        upload.parts.set(partNumber, part);
        partsReceived += 1;
        return send(200, { etag: part.etag, ...checksumHeaders(checksums) });
      }
      case 'CompleteMultipartUpload': {
        const uploadId = params.get('uploadId');
        const upload = uploadOf(bucket, key, uploadId);
        const stored = completeUpload(upload, body.toString('utf8'));
        uploads.delete(uploadId!);
        bucketOf(bucket, true).set(key, stored);
        return sendXml('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: stored.etag });
      }
      case 'AbortMultipartUpload':
        uploadOf(bucket, key, params.get('uploadId'));
        uploads.delete(params.get('uploadId')!);
        return send(204);
      default: {
        const _never: never = operation;
        return _never;
      }
    }
  }

  const server = await listenOnLoopback(async (req, res) => {
    const record: (typeof log)[number] = { operation: 'Unsupported', status: 0 };
    log.push(record);
    try {
      await serve(req, res, record);
    } catch (error) {
      if (!(error instanceof S3Reply)) throw error;
      record.status = error.status;
      const resource = (req.url ?? '/').split('?')[0]!;
      const body = xmlDocument('Error', { Code: error.code, Message: error.message, Resource: resource, RequestId: randomBytes(8).toString('hex').toUpperCase() });
      res.writeHead(error.status, { 'content-type': 'application/xml', ...error.headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
  });

  return {
    url: server.url,
    credentials,
    region,
    controls: {
      ...failures.controls,
      objects: (bucket) =>
        new Map([...(buckets.get(bucket) ?? [])].map(([key, o]) => [key, { size: o.body.length, sha256: sha256Hex(o.body), etag: o.etag, parts: o.parts }])),
      uploadsInProgress: () => uploads.size,
      partsReceived: () => partsReceived,
      requests: () => log.map((entry) => ({ ...entry })),
      failOnly(operations) {
        failOnly = operations;
      },
      setFull(on) {
        full = on;
      },
    },
    close: () => server.close(),
  };
}

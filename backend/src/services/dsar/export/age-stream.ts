import { createCipheriv, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Encrypter, Stanza } from 'age-encryption';

// age v1 (https://age-encryption.org/v1) with a passphrase, for bundles of gigabytes. The
// `age-encryption` library writes the header (stanza encoding and header MAC) as it does for any
// recipient; node:crypto does the bulk work: scrypt for the passphrase stanza and
// ChaCha20-Poly1305 for the payload, which the library computes in plain JavaScript some thirty
// times slower. The result is an ordinary age file: `age -d`, rage and the library all open it.

const CHUNK = 64 * 1024;
const TAG = 16;
const NONCE = 12;
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';

function seal(key: Buffer, nonce: Buffer, plaintext: Buffer): [Buffer, Buffer] {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  const body = cipher.update(plaintext);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

/**
 * The scrypt recipient of the age spec: the file key sealed under scrypt(passphrase, label ‖ salt).
 * It also keeps the file key, so the payload can be encrypted outside the library.
 */
class ScryptStanzaRecipient {
  fileKey: Buffer | null = null;

  constructor(
    private readonly passphrase: string,
    private readonly workFactor: number,
  ) {}

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    this.fileKey = Buffer.from(fileKey);
    const salt = randomBytes(16);
    const N = 2 ** this.workFactor;
    const wrapKey = scryptSync(this.passphrase, Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
    const [body, tag] = seal(wrapKey, Buffer.alloc(NONCE), this.fileKey);
    wrapKey.fill(0);
    return [new Stanza(['scrypt', salt.toString('base64').replace(/=+$/, ''), String(this.workFactor)], Buffer.concat([body, tag]))];
  }
}

/** age's STREAM: 64 KiB chunks, each sealed under an 11-byte counter and a last-chunk flag. */
class StreamSealer extends Transform {
  private readonly pending = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private readonly nonce = Buffer.alloc(NONCE);
  private counter = 0;

  /** `header` is what precedes the payload: the age header and the payload nonce. */
  constructor(
    private readonly key: Buffer,
    header: Buffer,
  ) {
    super({ highWaterMark: 2 ** 20 });
    this.push(header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      // A full chunk is sealed only once more bytes follow it: the last chunk carries the flag.
      if (this.used === CHUNK) this.sealPending(false);
      const n = Math.min(CHUNK - this.used, chunk.length - offset);
      chunk.copy(this.pending, this.used, offset, offset + n);
      this.used += n;
      offset += n;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sealPending(true);
    callback();
  }

  /** Ended, failed or abandoned: the payload key goes either way. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.key.fill(0);
    this.pending.fill(0);
    callback(error);
  }

  private sealPending(last: boolean): void {
    this.nonce.writeUIntBE(this.counter, 5, 6);
    this.nonce[11] = last ? 1 : 0;
    const [body, tag] = seal(this.key, this.nonce, this.pending.subarray(0, this.used));
    this.push(body);
    this.push(tag);
    this.counter += 1;
    this.used = 0;
  }
}

/**
 * A stream that encrypts what is written to it into an age file for `passphrase`, header first.
 * Memory is one 64 KiB chunk, whatever the size.
 */
export async function ageEncryptStream(passphrase: string, scryptWorkFactor: number): Promise<Transform> {
  const recipient = new ScryptStanzaRecipient(passphrase, scryptWorkFactor);
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  // The library's own file for an empty payload: header, payload nonce, then the empty final chunk.
  const empty = Buffer.from(await encrypter.encrypt(new Uint8Array(0)));
  const fileKey = recipient.fileKey;
  if (!fileKey) throw new Error('age: the file key was not wrapped');
  const prefix = empty.subarray(0, empty.length - TAG);
  const payloadNonce = prefix.subarray(prefix.length - 16);
  const key = Buffer.from(hkdfSync('sha256', fileKey, payloadNonce, 'payload', 32));
  fileKey.fill(0);
  // The layout assumption checked, not trusted: the last 16 bytes must be the empty final chunk under this key.
  const finalFlag = Buffer.alloc(NONCE);
  finalFlag[11] = 1;
  if (!seal(key, finalFlag, Buffer.alloc(0))[1].equals(empty.subarray(empty.length - TAG))) {
    key.fill(0);
    throw new Error('age: unexpected layout of the library header');
  }
  return new StreamSealer(key, Buffer.from(prefix));
}

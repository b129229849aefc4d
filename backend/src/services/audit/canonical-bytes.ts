import { isUtf8 } from 'node:buffer';
import { BACKSLASH, CanonicalDetails, HEX, isDigit, QUOTE, SHORT_ESCAPE, ZERO } from './canonical-details.js';
import { F, type EventRow } from './event-row.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');
const PIECES = {
  action: ascii('\n{"action":'),
  actorId: ascii(',"actorId":'),
  actorType: ascii(',"actorType":'),
  at: ascii(',"at":'),
  dataSubjectId: ascii(',"dataSubjectId":'),
  details: ascii(',"details":'),
  prevHash: ascii(',"prevHash":'),
  sealed: ascii(',"sealed":'),
  seq: ascii(',"seq":'),
  subjectId: ascii(',"subjectId":'),
  subjectType: ascii(',"subjectType":'),
  null: ascii('null'),
};
/** Bytes a JSON string holds as they are, in ASCII: printable, not a quote or backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;
/** The timestamp text PostgreSQL writes in UTC with DateStyle ISO: `2026-03-01 10:20:30.456+00`. */
const TIMESTAMP_SHAPE = ascii('0000-00-00 00:00:00');

/**
 * The hashed input of a stored event, `prevHash ‖ "\n" ‖ canonical` (chain.ts), written as UTF-8
 * straight from the row's column bytes (event-row.ts), without making strings or objects of its
 * fields: verifying a million events is mostly this. The bytes are those of `canonicalEvent` (a
 * test holds them equal). Whatever is not handled here exactly (invalid UTF-8, details that are
 * nested or written unusually, an unusual timestamp) makes `write` return -1, and the event takes
 * the string path.
 */
export class CanonicalEventBytes {
  /** The buffer being written. */
  private out: Buffer = Buffer.alloc(0);
  private readonly tenantTail: Buffer;
  private readonly details = new CanonicalDetails();

  constructor(tenantId: string) {
    this.tenantTail = Buffer.from(`,"tenantId":${JSON.stringify(tenantId)}}`, 'utf8');
  }

  /** Room `write` may need for `row`: escaping turns a byte into at most six. */
  maxSize(row: EventRow): number {
    let size = 256 + this.tenantTail.length;
    for (let i = 0; i < row.length; i++) size += 6 * (row[i]?.length ?? 0);
    return size;
  }

  /**
   * Writes the hash input of `row`, whose seq is `seq`, into `out` from `start` (with `maxSize(row)`
   * bytes of room); returns where it ends, or -1 for the string path.
   */
  write(row: EventRow, seq: number, out: Buffer, start: number): number {
    const prevHash = row[F.prevHash];
    const at = row[F.at];
    const details = row[F.details];
    if (!prevHash || !at || !details) return -1;
    this.out = out;
    out.set(prevHash, start);
    let p = start + prevHash.length;
    p = this.piece(PIECES.action, p);
    p = this.string(row[F.action], p);
    p = this.piece(PIECES.actorId, p);
    p = this.nullableString(row[F.actorId], p);
    p = this.piece(PIECES.actorType, p);
    p = this.string(row[F.actorType], p);
    p = this.piece(PIECES.at, p);
    p = this.timestamp(at, p);
    p = this.piece(PIECES.dataSubjectId, p);
    p = this.nullableString(row[F.dataSubjectId], p);
    p = this.piece(PIECES.details, p);
    p = p < 0 ? -1 : this.details.write(details, out, p);
    p = this.piece(PIECES.prevHash, p);
    p = this.string(prevHash, p);
    p = this.piece(PIECES.sealed, p);
    p = this.nullableString(row[F.sealed], p);
    p = this.piece(PIECES.seq, p);
    p = this.integer(seq, p);
    p = this.piece(PIECES.subjectId, p);
    p = this.string(row[F.subjectId], p);
    p = this.piece(PIECES.subjectType, p);
    p = this.string(row[F.subjectType], p);
    return this.piece(this.tenantTail, p);
  }

  // Each writer takes the write position and returns the next one; -1 (take the string path) passes through.

  private piece(bytes: Buffer, p: number): number {
    if (p < 0) return -1;
    const out = this.out;
    const n = bytes.length;
    for (let i = 0; i < n; i++) out[p + i] = bytes[i]!;
    return p + n;
  }

  /** A non-negative safe integer in decimal, as String(n) writes it. */
  private integer(n: number, p: number): number {
    if (p < 0 || !Number.isSafeInteger(n) || n < 0) return -1;
    const out = this.out;
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = p + digits - 1, rest = n; i >= p; i--, rest = Math.floor(rest / 10)) out[i] = ZERO + (rest % 10);
    return p + digits;
  }

  private nullableString(text: Buffer | null | undefined, p: number): number {
    return text === null ? this.piece(PIECES.null, p) : this.string(text, p);
  }

  /** A JSON string as JSON.stringify writes it, which is what RFC 8785 §3.2.2.2 specifies. */
  private string(text: Buffer | null | undefined, p: number): number {
    if (p < 0 || !text) return -1;
    const out = this.out;
    const n = text.length;
    out[p++] = QUOTE;
    // Most values (ids, hashes, names of actions) need no escape.
    let i = 0;
    for (; i < n; i++) {
      const c = text[i]!;
      if (PLAIN[c] === 0) break;
      out[p++] = c;
    }
    if (i === n) {
      out[p] = QUOTE;
      return p + 1;
    }
    let high = 0;
    for (; i < n; i++) {
      const c = text[i]!;
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
        out[p++] = c;
        high |= c;
        continue;
      }
      out[p++] = BACKSLASH;
      if (c === QUOTE || c === BACKSLASH) out[p++] = c;
      else if (SHORT_ESCAPE[c] !== 0) out[p++] = SHORT_ESCAPE[c]!;
      else {
        out[p++] = 0x75; // u
        out[p++] = ZERO;
        out[p++] = ZERO;
        out[p++] = HEX[c >> 4]!;
        out[p++] = HEX[c & 15]!;
      }
    }
    out[p++] = QUOTE;
    // Text is copied as UTF-8: exact for well-formed UTF-8, which also rules out lone surrogates.
    return high >= 0x80 && !isUtf8(text) ? -1 : p;
  }

  /** `2026-03-01 10:20:30.456+00` as chainTimestamp writes it: `"2026-03-01T10:20:30.456000Z"`. */
  private timestamp(text: Buffer, p: number): number {
    if (p < 0) return -1;
    const n = text.length;
    const seconds = TIMESTAMP_SHAPE.length;
    // Years 0001-9999 AD in UTC; anything else (BC, five-digit years, infinity) takes the string path.
    if (n < seconds + 3 || text[n - 3] !== 0x2b || text[n - 2] !== ZERO || text[n - 1] !== ZERO) return -1;
    for (let i = 0; i < seconds; i++) if ((TIMESTAMP_SHAPE[i] === ZERO ? !isDigit(text[i]) : text[i] !== TIMESTAMP_SHAPE[i])) return -1;
    const fraction = n - 3 - seconds - 1;
    if (fraction === 0 || fraction > 6 || (fraction > 0 && text[seconds] !== 0x2e)) return -1;
    const out = this.out;
    out[p++] = QUOTE;
    for (let i = 0; i < seconds; i++) out[p + i] = text[i]!;
    out[p + 10] = 0x54; // T
    p += seconds;
    out[p++] = 0x2e;
    for (let i = 0; i < 6; i++) {
      const c = i < fraction ? text[seconds + 1 + i]! : ZERO;
      if (!isDigit(c)) return -1;
      out[p++] = c;
    }
    out[p++] = 0x5a; // Z
    out[p++] = QUOTE;
    return p;
  }
}

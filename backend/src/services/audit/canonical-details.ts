import { isUtf8 } from 'node:buffer';

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const ZERO = 0x30;
export const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** JSON.stringify's two-character escapes of control characters (0: it writes \u00XX). */
export const SHORT_ESCAPE = new Uint8Array(0x20);
SHORT_ESCAPE[0x08] = 0x62; // \b
SHORT_ESCAPE[0x09] = 0x74; // \t
SHORT_ESCAPE[0x0a] = 0x6e; // \n
SHORT_ESCAPE[0x0c] = 0x66; // \f
SHORT_ESCAPE[0x0d] = 0x72; // \r

export const isDigit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= 0x39;
const isNumberByte = (c: number) => isDigit(c) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x45 || c === 0x65;
const lowerHexDigit = (c: number) => (isDigit(c) ? c - ZERO : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);
const LITERALS = ['true', 'false', 'null'].map((word) => Buffer.from(word, 'latin1'));
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Copies `source[from, to)` to `out` at `p`; returns the next position. Buffer#copy costs more than the few bytes moved here. */
function copyBytes(source: Buffer, from: number, to: number, out: Buffer, p: number): number {
  for (let i = from; i < to; i++) out[p++] = source[i]!;
  return p;
}

/** The RFC 8785 form of an audit event's details, written from their jsonb text (canonical-bytes.ts). */
export class CanonicalDetails {
  // Where each key and value of the object being rewritten lie, and numbers ECMAScript writes differently.
  private readonly keyStart: number[] = [];
  private readonly keyEnd: number[] = [];
  private readonly valueStart: number[] = [];
  private readonly valueEnd: number[] = [];
  private readonly number: (string | undefined)[] = [];
  private readonly order: number[] = [];

  /**
   * Writes a flat details object from its jsonb text into `out` at `p`; returns the next position,
   * or -1 for the string path. PostgreSQL writes `{"key": value, …}` with keys ordered by length
   * and strings escaped exactly as JSON.stringify escapes them; this writes the keys in UTF-16
   * order (byte order, for the ASCII keys handled here) and numbers as ECMAScript writes them.
   */
  write(text: Buffer, out: Buffer, p: number): number {
    if (text[0] !== 0x7b) return -1; // {
    const end = text.length;
    const { keyStart: ks, keyEnd: ke, valueStart: vs, valueEnd: ve, number: numbers } = this;
    let count = 0;
    let i = 1;
    if (text[i] === 0x7d) i++;
    else {
      for (;;) {
        if (text[i++] !== QUOTE) return -1;
        const keyStart = i;
        while (i < end && text[i] !== QUOTE) {
          if (text[i] === BACKSLASH || text[i]! < 0x20 || text[i]! >= 0x80) return -1;
          i++;
        }
        const keyEnd = i++;
        if (text[i++] !== 0x3a || text[i++] !== 0x20) return -1; // ": "
        const valueStart = i;
        let number: string | undefined;
        const c = text[i]!;
        if (c === QUOTE) i = skipJsonString(text, i + 1);
        else if (c === 0x74 || c === 0x66 || c === 0x6e) i = literalEnd(text, i);
        else if (c === 0x2d || isDigit(c)) {
          while (i < end && isNumberByte(text[i]!)) i++;
          if (!isShortInteger(text, valueStart, i)) {
            const literal = text.toString('latin1', valueStart, i);
            const value = JSON_NUMBER.test(literal) ? Number(literal) : Number.NaN;
            if (!Number.isFinite(value)) return -1;
            number = String(value);
          }
        } else return -1; // a nested object or array
        if (i < 0) return -1;
        ks[count] = keyStart;
        ke[count] = keyEnd;
        vs[count] = valueStart;
        ve[count] = i;
        numbers[count] = number;
        count++;
        if (text[i] === 0x7d) {
          i++;
          break;
        }
        if (text[i++] !== 0x2c || text[i++] !== 0x20) return -1; // ", "
      }
    }
    if (i !== end) return -1;

    const order = this.order;
    for (let k = 0; k < count; k++) {
      let j = k;
      while (j > 0 && compareKeys(text, ks[order[j - 1]!]!, ke[order[j - 1]!]!, ks[k]!, ke[k]!) > 0) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = k;
    }
    out[p++] = 0x7b;
    for (let k = 0; k < count; k++) {
      const pair = order[k]!;
      if (k > 0) out[p++] = 0x2c;
      out[p++] = QUOTE;
      p = copyBytes(text, ks[pair]!, ke[pair]!, out, p);
      out[p++] = QUOTE;
      out[p++] = 0x3a;
      const number = numbers[pair];
      if (number === undefined) p = copyBytes(text, vs[pair]!, ve[pair]!, out, p);
      else p += out.write(number, p, 'latin1');
    }
    out[p++] = 0x7d;
    return p;
  }
}

/**
 * The end of the JSON string whose opening quote is before `i`, or -1 unless it is written exactly
 * as JSON.stringify writes its value: no escapes but \" \\ \b \f \n \r \t and lowercase \u00XX for
 * the other control characters, no raw control character, well-formed UTF-8.
 */
function skipJsonString(text: Buffer, i: number): number {
  const from = i;
  const end = text.length;
  let bits = 0;
  while (i < end) {
    const c = text[i]!;
    if (c === QUOTE) return bits >= 0x80 && !isUtf8(text.subarray(from, i)) ? -1 : i + 1;
    if (c < 0x20) return -1;
    bits |= c;
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
      continue;
    }
    if (e !== 0x75 || i + 6 > end || text[i + 2] !== ZERO || text[i + 3] !== ZERO) return -1;
    const high = text[i + 4] === ZERO ? 0 : text[i + 4] === 0x31 ? 16 : -1;
    const low = lowerHexDigit(text[i + 5]!);
    if (high < 0 || low < 0 || SHORT_ESCAPE[high + low] !== 0) return -1;
    i += 6;
  }
  return -1;
}

function literalEnd(text: Buffer, i: number): number {
  for (const word of LITERALS) {
    let k = 0;
    while (k < word.length && text[i + k] === word[k]) k++;
    if (k === word.length) return i + k;
  }
  return -1;
}

/** An integer of at most 15 digits, without a leading zero or a minus zero: ECMAScript writes it unchanged. */
function isShortInteger(text: Buffer, s: number, e: number): boolean {
  const digits = text[s] === 0x2d ? s + 1 : s;
  const count = e - digits;
  if (count < 1 || count > 15 || (text[digits] === ZERO && (count > 1 || digits > s))) return false;
  for (let i = digits; i < e; i++) if (!isDigit(text[i])) return false;
  return true;
}

/** Byte order of two ASCII keys, which is their UTF-16 order (RFC 8785 §3.2.3). */
function compareKeys(text: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = text[aStart + i]! - text[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalEvent, canonicalEventReference, chainTimestamp, eventHash, GENESIS_HASH, linkHash, type ChainedEvent } from '../../backend/src/services/audit/chain.js';

const base = (): ChainedEvent => ({
  tenantId: randomUUID(),
  seq: 1,
  at: chainTimestamp(new Date('2026-03-01T10:20:30.456Z')),
  actorType: 'agent',
  actorId: randomUUID(),
  action: 'recording.played',
  subjectType: 'recording',
  subjectId: randomUUID(),
  details: { meetingType: 'support', allowed: true, n: 3 },
  dataSubjectId: null,
  sealed: null,
  prevHash: GENESIS_HASH,
});

/** Values that exercise RFC 8785's rules: escapes, non-ASCII, key order by UTF-16 units, number forms. */
const awkward: ChainedEvent['details'][] = [
  {},
  { b: 1, a: 2, A: 3, _: 4, '10': 5, '9': 6 },
  { text: 'quote " backslash \\ newline \n tab \t nul-ish \u0001 del \u007f' },
  { umlaut: 'Grüße', emoji: '👋🏽', cjk: '漢字', rtl: 'שלום' },
  { '\u20ac': 'euro key', '\ud83d\ude00': 'emoji key', é: 'e-acute key' },
  { zero: 0, negZero: -0, big: 1e21, small: 1e-7, frac: 0.1 + 0.2, int: 9007199254740991, neg: -42.5 },
  { t: true, f: false, n: null },
];

describe('canonical form of an audit event (RFC 8785)', () => {
  it('matches the canonicalize package for ordinary and awkward events', () => {
    for (const details of awkward) {
      const event = { ...base(), details, actorId: null, subjectId: 'id with "quotes" and ünïcode', sealed: 'v1.abc_-' };
      expect(canonicalEvent(event)).toBe(canonicalize({ ...event }));
      expect(canonicalEvent(event)).toBe(canonicalEventReference(event));
    }
    const plain = base();
    expect(canonicalEvent(plain)).toBe(canonicalize(plain));
  });

  it('refuses what RFC 8785 refuses (a lone surrogate), like the reference', () => {
    const event = { ...base(), subjectId: 'broken \ud800 half' };
    expect(() => canonicalEvent(event)).toThrow();
    expect(() => canonicalEvent({ ...base(), details: { x: Number.NaN } })).toThrow();
  });

  it('links each event by SHA-256 over the previous hash, a newline and the canonical JSON', () => {
    const event = base();
    expect(eventHash(event)).toBe(linkHash(GENESIS_HASH, canonicalize(event)!));
    expect(eventHash(event)).toMatch(/^[0-9a-f]{64}$/);
    // Every field is covered: changing any one changes the hash.
    for (const [field, value] of Object.entries({ seq: 2, at: chainTimestamp(new Date()), action: 'x', actorId: null, subjectId: 'y', details: {}, dataSubjectId: randomUUID(), sealed: 'v1.x', prevHash: 'f'.repeat(64), tenantId: randomUUID(), actorType: 'system', subjectType: 'z' })) {
      expect(eventHash({ ...event, [field]: value })).not.toBe(eventHash(event));
    }
  });

  it('writes timestamps with microseconds, as PostgreSQL stores them', () => {
    expect(chainTimestamp(new Date('2026-03-01T10:20:30.456Z'))).toBe('2026-03-01T10:20:30.456000Z');
  });
});

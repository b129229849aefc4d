import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../backend/src/db/client.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { CanonicalEventBytes } from '../../backend/src/services/audit/canonical-bytes.js';
import { canonicalEvent, canonicalEventReference, chainTimestamp, eventHash, GENESIS_HASH, linkHash, type ChainedEvent } from '../../backend/src/services/audit/chain.js';
import { EVENTS_AFTER_SQL, eventOfRow, F, type EventRow } from '../../backend/src/services/audit/event-row.js';
import { withReadSnapshot } from '../../backend/src/services/audit/read-snapshot.js';
import { recordAudit, rowsOf } from '../../backend/src/services/audit/record.js';
import { verifyAuditChain } from '../../backend/src/services/audit/verify.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { seededRandom } from '../support/fakes/seeded-random.js';

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
  // UTF-8 byte order and UTF-16 order disagree here: U+FF21 sorts after the surrogate pair.
  { '\uff21': 'fullwidth A', '\ud83d\ude00': 'astral', z: 'ascii' },
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

/** Strings that exercise JSON escaping and UTF-8: quotes, backslashes, every control character but NUL, DEL, non-ASCII, astral. */
const awkwardText = ['plain', 'quote " and \\ backslash', '\b\f\n\r\t', Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join(''), 'del \u007f', 'Grüße 漢字 שלום', '👋🏽 astral', '\u2028\u2029', 'looks like an escape: \\u00e9 \\n'];
const numbers = [0, -0, 1, -1, 42, 9007199254740991, -9007199254740991, 123456789012345, 1234567890123456, 0.1, 0.1 + 0.2, -42.5, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 12345678901234567890];

/** A flat details object from `random`, with ASCII keys of several lengths (jsonb orders keys by length, RFC 8785 by code unit). */
function randomDetails(random: () => number): ChainedEvent['details'] {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const details: ChainedEvent['details'] = {};
  const keys = Math.floor(random() * 7);
  for (let k = 0; k < keys; k++) {
    const key = pick(['a', 'B', 'z', '_', '0', '10', '9', 'ab', 'Ab', 'aB', 'meetingType', 'allowed', 'n', 'reason', 'x-y', 'a b', 'longer_key_name_than_most']);
    details[key] = pick<ChainedEvent['details'][string]>([pick(awkwardText), pick(numbers), true, false, null, `id-${Math.floor(random() * 1e6)}`]);
  }
  return details;
}

/** Appends events as the chain writes them, with fields and microsecond instants of the test's choosing. */
async function appendChained(database: Database, tenantId: string, events: Omit<ChainedEvent, 'tenantId' | 'seq' | 'prevHash'>[]): Promise<ChainedEvent[]> {
  let prevHash = GENESIS_HASH;
  const written: ChainedEvent[] = [];
  for (const [index, fields] of events.entries()) {
    const event: ChainedEvent = { ...fields, tenantId, seq: index + 1, prevHash };
    prevHash = eventHash(event);
    written.push(event);
    await database.db.execute(sql`
      INSERT INTO audit_events (tenant_id, seq, actor_type, actor_id, action, subject_type, subject_id, details, data_subject_id, sealed, at, prev_hash, hash)
      VALUES (${tenantId}::uuid, ${event.seq}, ${event.actorType}, ${event.actorId}, ${event.action}, ${event.subjectType}, ${event.subjectId}, ${JSON.stringify(event.details)}::jsonb,
              ${event.dataSubjectId}::uuid, ${event.sealed}, ${event.at}::timestamptz, ${event.prevHash}, ${prevHash})`);
  }
  await database.db.execute(sql`INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES (${tenantId}::uuid, ${written.length}, ${prevHash})
    ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`);
  return written;
}

/** Details the byte path rewrites itself: flat, with keys of printable ASCII other than quote and backslash. */
const bytePathDetails = (details: ChainedEvent['details']) =>
  Object.entries(details).every(([key, value]) => /^[\x20-\x7e]*$/.test(key) && !/["\\]/.test(key) && (value === null || typeof value !== 'object'));

/** A row as PostgreSQL would send it (text of each column), for shapes a database never writes. */
function textRow(overrides: Partial<Record<keyof typeof F, string | Buffer | null>>): EventRow {
  const columns: Record<keyof typeof F, string | Buffer | null> = {
    seq: '7',
    at: '2026-03-01 10:20:30.456+00',
    actorType: 'agent',
    actorId: randomUUID(),
    action: 'recording.played',
    subjectType: 'recording',
    subjectId: randomUUID(),
    details: '{"n": 1, "allowed": true}',
    dataSubjectId: null,
    sealed: null,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    ...overrides,
  };
  const row: EventRow = [];
  for (const [name, value] of Object.entries(columns)) row[F[name as keyof typeof F]] = value === null ? null : Buffer.from(value);
  return row;
}

describe('hash input built from stored bytes, for text a database does not usually send', () => {
  const tenantId = randomUUID();
  /** Either the string path (-1) or exactly the reference form of what the row decodes to. */
  function expectExactOrStringPath(row: EventRow): number {
    const out = Buffer.alloc(1 << 14);
    const end = new CanonicalEventBytes(tenantId).write(row, 7, out, 0);
    if (end >= 0) {
      const event = eventOfRow(row, tenantId, 7);
      expect(out.subarray(0, end).toString('hex')).toBe(Buffer.from(`${event.prevHash}\n${canonicalEventReference(event)}`).toString('hex'));
    }
    return end;
  }

  it('rewrites what it can exactly and leaves the rest to the string path', () => {
    const details = [
      '{"a": "\\u00e9"}',
      '{"a": "\\u001F"}',
      '{"a": "\\/"}',
      '{"a": "\\u0008"}',
      '{"a": "\\u001f \\" \\\\ \\n"}',
      '{"n": 12345678901234567}',
      '{"n": 9007199254740993}',
      '{"n": 1.0}',
      '{"n": 1E+2}',
      '{"n": -0}',
      '{"n": 0.000001}',
      '{"n": 00}',
      '{"b": 1, "a": 2, "B": 3}',
      '{"\\"q": 1}',
      '{"é": 1}',
      '{"a":1}',
      '{"a": [1]}',
      '{"a": {"b": 1}}',
      '{"a": tru}',
      '{}',
      '{"a": "x"} ',
      '{"a": "raw\ttab"}',
      '{"raw\ttab": 1}',
    ];
    const rewritten = details.filter((text) => expectExactOrStringPath(textRow({ details: text })) >= 0);
    // The forms PostgreSQL writes take the byte path; escapes it never writes do not.
    expect(rewritten).toEqual(['{"a": "\\u001f \\" \\\\ \\n"}', '{"n": 12345678901234567}', '{"n": 9007199254740993}', '{"n": 1.0}', '{"n": 1E+2}', '{"n": -0}', '{"n": 0.000001}', '{"b": 1, "a": 2, "B": 3}', '{}']);
    expect(expectExactOrStringPath(textRow({ details: '{"n": 1e400}' }))).toBe(-1);
  });

  it('writes timestamps in the years 1 to 9999 in UTC itself, and leaves other forms to the string path', () => {
    const instants = ['2026-03-01 10:20:30+00', '2026-03-01 10:20:30.5+00', '2026-03-01 10:20:30.123456+00', '0044-03-15 12:00:00+00 BC', '12026-03-01 10:20:30+00', 'infinity', '2026-03-01 10:20:30+01', '2026-03-01T10:20:30+00', '2026-03-01 10:20:30.1234567+00', '2026-03-01 10:20:30.+00', '2026-03-01 10:20:30,123+00'];
    const rewritten = instants.filter((at) => expectExactOrStringPath(textRow({ at })) >= 0);
    expect(rewritten).toEqual(['2026-03-01 10:20:30+00', '2026-03-01 10:20:30.5+00', '2026-03-01 10:20:30.123456+00']);
  });

  it('copies well-formed UTF-8 and leaves malformed bytes to the string path', () => {
    expect(expectExactOrStringPath(textRow({ subjectId: 'Grüße 👋🏽 "quoted" \\ \u0001' }))).toBeGreaterThan(0);
    for (const broken of [Buffer.from([0x61, 0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc3])]) {
      expect(expectExactOrStringPath(textRow({ subjectId: broken }))).toBe(-1);
      expect(expectExactOrStringPath(textRow({ details: Buffer.concat([Buffer.from('{"a": "'), broken, Buffer.from('"}')]) }))).toBe(-1);
    }
  });
});

describe.each(databaseKinds)('hash input built from stored bytes, on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is byte for byte the RFC 8785 form of the stored event, for ordinary and awkward events', async () => {
    const tenantId = (await database.db.insert(tenants).values({ name: `Bytes ${randomUUID()}` }).returning({ id: tenants.id }))[0]!.id;
    const random = seededRandom(8785);
    const instants = ['2026-03-01T10:20:30.456000Z', '2026-03-01T10:20:30.000000Z', '2026-03-01T10:20:30.123456Z', '2026-03-01T10:20:30.100000Z', '1999-12-31T23:59:59.999999Z', '0001-01-01T00:00:00.000001Z', '9999-12-31T23:59:59.000010Z'];
    const fields = Array.from({ length: 400 }, (_, n): Omit<ChainedEvent, 'tenantId' | 'seq' | 'prevHash'> => ({
      at: instants[n % instants.length]!,
      actorType: n % 3 === 0 ? 'system' : n % 3 === 1 ? 'agent' : 'participant:customer',
      actorId: n % 3 === 0 ? null : randomUUID(),
      action: n % 11 === 0 ? awkwardText[n % awkwardText.length]! : 'recording.played',
      subjectType: 'recording',
      subjectId: n % 5 === 0 ? awkwardText[n % awkwardText.length]! : randomUUID(),
      // Every awkward case in turn, then random ones; a few that only the string path handles (nested, non-ASCII or escaped keys).
      details: n < awkward.length ? awkward[n]! : n % 50 === 0 ? ({ nested: { b: 1, a: [1, 'x'] } } as unknown as ChainedEvent['details']) : randomDetails(random),
      dataSubjectId: n % 4 === 0 ? randomUUID() : null,
      sealed: n % 4 === 0 ? `v1.${randomUUID()}_-` : n % 7 === 0 ? awkwardText[n % awkwardText.length]! : null,
    }));
    const written = await appendChained(database, tenantId, fields);

    const bytes = new CanonicalEventBytes(tenantId);
    const out = Buffer.alloc(1 << 16);
    const rows: { seq: number; end: number; input: Buffer }[] = [];
    await withReadSnapshot(database.db, (snapshot) =>
      snapshot.eachRow(EVENTS_AFTER_SQL, [tenantId, 0, written.length], (row) => {
        const seq = Number(row[F.seq]!.toString());
        expect(bytes.maxSize(row)).toBeLessThanOrEqual(out.length);
        const end = bytes.write(row, seq, out, 0);
        rows.push({ seq, end, input: Buffer.from(out.subarray(0, Math.max(end, 0))) });
      }),
    );
    expect(rows.map((r) => r.seq)).toEqual(written.map((e) => e.seq));
    let bytePath = 0;
    for (const row of rows) {
      const event = written[row.seq - 1]!;
      const expected = Buffer.from(`${event.prevHash}\n${canonicalEventReference(event)}`, 'utf8');
      if (bytePathDetails(event.details)) {
        expect(row.end, `seq ${row.seq}`).toBeGreaterThanOrEqual(0);
        bytePath++;
      }
      // Compared as bytes: the hash covers bytes, and a string comparison could hide invalid UTF-8.
      if (row.end >= 0) expect(row.input.toString('hex'), `seq ${row.seq}: ${JSON.stringify(event.details)}`).toBe(expected.toString('hex'));
    }
    expect(bytePath).toBeGreaterThan(300);
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true, events: written.length });
  });
});

describe.each(databaseKinds)('one event per statement, its link computed by the database, on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('writes the same chain as the application would, for ordinary and awkward events', async () => {
    const tenantId = (await database.db.insert(tenants).values({ name: `Single ${randomUUID()}` }).returning({ id: tenants.id }))[0]!.id;
    const random = seededRandom(2026);
    // Keys and values that look like the link fields the statement fills in must stay what they are.
    const lookalikes: ChainedEvent['details'][] = [
      { prevHash: 'p'.repeat(64), seq: 9007199254740991 },
      { seq: '9007199254740991,', prevHash: '"prevHash":"' + 'p'.repeat(64) + '"' },
    ];
    const details = [...awkward, ...lookalikes, ...Array.from({ length: 60 }, () => randomDetails(random))];
    for (const [n, entryDetails] of details.entries()) {
      await recordAudit(database.db, {
        tenantId,
        actor: n % 2 === 0 ? { kind: 'system' } : { kind: 'call-participant', participantId: randomUUID(), role: 'customer' },
        action: n % 5 === 0 ? awkwardText[n % awkwardText.length]! : 'recording.played',
        subjectType: 'recording',
        subjectId: n % 3 === 0 ? awkwardText[n % awkwardText.length]! : randomUUID(),
        details: entryDetails,
        personal: n % 4 === 0 ? { dataSubjectId: randomUUID(), sealed: `v1.${randomUUID()}_-` } : undefined,
      });
    }
    const stored = rowsOf<{ seq: string; prev_hash: string; hash: string }>(
      await database.db.execute(sql`SELECT seq::text, prev_hash, hash FROM audit_events WHERE tenant_id = ${tenantId}::uuid ORDER BY audit_events.seq`),
    );
    expect(stored.map((row) => Number(row.seq))).toEqual(details.map((_, n) => n + 1));
    stored.forEach((row, n) => expect(row.prev_hash).toBe(n === 0 ? GENESIS_HASH : stored[n - 1]!.hash));
    const [head] = rowsOf<{ seq: string; hash: string; prev_hash: string }>(
      await database.db.execute(sql`SELECT seq::text, hash, prev_hash FROM audit_chain_heads WHERE tenant_id = ${tenantId}::uuid`),
    );
    expect(head).toEqual({ seq: String(details.length), hash: stored.at(-1)!.hash, prev_hash: stored.at(-2)!.hash });
    // Every link recomputed by the application from the stored rows.
    expect(await verifyAuditChain(database.db, { tenantId })).toMatchObject({ ok: true, events: details.length });
  });
});

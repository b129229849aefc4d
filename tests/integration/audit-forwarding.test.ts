import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditSink, type AuditSink } from '../../backend/src/adapters/audit-sink/sink.js';
import type { Database } from '../../backend/src/db/client.js';
import type { AuditForwardPayload } from '../../backend/src/ports/outbox-delivery.js';
import { eventHash } from '../../backend/src/services/audit/chain.js';
import { createAuditForwarder } from '../../backend/src/services/audit/forwarder.js';
import { setAuditForwarding } from '../../backend/src/services/audit/forwarding.js';
import { recordAudit, recordAuditBatch, rowsOf } from '../../backend/src/services/audit/record.js';
import { tenants } from '../../backend/src/db/schema/index.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';

/** A port nothing listens on right now (the sink is down), to be listened on later (it comes back). */
async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP collector on loopback, as an off-host log service receives events. */
async function startHttpReceiver(port: number, failFirst = 0) {
  const received: { body: AuditForwardPayload; headers: IncomingHttpHeaders }[] = [];
  let failures = failFirst;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AuditForwardPayload, headers: req.headers });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** RFC 5424 as a collector parses it: header fields, structured data, then the message after the BOM. */
function parseSyslog(message: string) {
  const match = /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) \uFEFF(.*)$/s.exec(message);
  if (!match) throw new Error(`not an RFC 5424 message: ${message.slice(0, 80)}`);
  const [, pri, timestamp, host, app, procId, msgId, sd, msg] = match;
  return { pri: Number(pri), timestamp, host, app, procId, msgId, sd: sd!, event: JSON.parse(msg!) as AuditForwardPayload };
}

/** A TCP syslog collector reading octet-counted frames (RFC 6587). */
async function startTcpSyslog(port: number) {
  const messages: string[] = [];
  const server: TcpServer = createTcpServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space === -1) return;
        const length = Number(buffer.subarray(0, space).toString('ascii'));
        if (buffer.length < space + 1 + length) return;
        messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(databaseKinds)('audit events forwarded to an off-host sink on %s', (kind) => {
  let database: Database;

  beforeAll(async () => {
    setAuditForwarding(true);
    database = await freshDatabase(kind);
  });
  afterAll(async () => {
    setAuditForwarding(false);
    await database?.close();
  });

  const newTenant = async () => (await database.db.insert(tenants).values({ name: `Acme ${randomUUID()}` }).returning({ id: tenants.id }))[0]!.id;

  /** The tenant's events as stored, the way the sink must receive them. */
  async function storedEvents(tenantId: string) {
    return rowsOf<{ id: string | number; seq: string | number; hash: string }>(
      await database.db.execute(sql`SELECT id, seq, hash FROM audit_events WHERE tenant_id = ${tenantId}::uuid ORDER BY seq`),
    ).map((r) => ({ id: Number(r.id), seq: Number(r.seq), hash: r.hash }));
  }

  async function pendingCopies() {
    return Number(rowsOf<{ n: string | number }>(await database.db.execute(sql`SELECT count(*) AS n FROM outbox_messages WHERE kind = 'audit.event' AND state = 'pending'`))[0]!.n);
  }

  function forwarder(sink: AuditSink) {
    return createAuditForwarder({ db: database.db, sink, logger: pino({ level: 'silent' }), settings: { baseDelayMs: 0, maxDelayMs: 0, batchSize: 100, leaseMs: 10_000 } });
  }

  /** Delivery rounds until nothing is left to send (bounded: a stuck queue fails the test). */
  async function drain(worker: ReturnType<typeof forwarder>) {
    for (let round = 0; round < 20 && (await pendingCopies()) > 0; round++) await worker.runOnce();
    expect(await pendingCopies()).toBe(0);
  }

  it('queues a copy of each event in its transaction: a rolled-back change sends nothing', async () => {
    const tenantId = await newTenant();
    const before = await pendingCopies();
    await expect(
      database.db.transaction(async (tx) => {
        await recordAudit(tx, { tenantId, actor: { kind: 'system' }, action: 'x.failed', subjectType: 'x', subjectId: '1' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();
    expect(await pendingCopies()).toBe(before);
  });

  it('HTTP: a sink that is down, then failing, then up receives every event exactly once, chain intact', async () => {
    const tenantId = await newTenant();
    await recordAuditBatch(
      database.db,
      Array.from({ length: 12 }, (_, n) => ({ tenantId, actor: { kind: 'system' as const }, action: 'forward.test', subjectType: 'thing', subjectId: `t-${n}`, details: { n } })),
    );
    const port = await freePort();
    const worker = forwarder(createAuditSink({ target: { kind: 'http', url: `http://127.0.0.1:${port}/audit` }, timeoutMs: 2_000 }));
    // Down: nothing listens. Every copy stays queued.
    const down = await worker.runOnce();
    expect(down.delivered).toBe(0);
    expect(down.retried).toBeGreaterThanOrEqual(12);
    // Back, but the first answers are errors; then it accepts.
    const receiver = await startHttpReceiver(port, 5);
    try {
      await drain(worker);
      const mine = receiver.received.filter((r) => r.body.tenantId === tenantId);
      const stored = await storedEvents(tenantId);
      expect(mine.map((r) => r.body.seq).sort((a, b) => a - b)).toEqual(stored.map((e) => e.seq));
      for (const { body, headers } of mine) {
        expect(headers['idempotency-key']).toBe(`audit:${body.id}`);
        expect(body.hash).toBe(stored.find((e) => e.seq === body.seq)!.hash);
        // The copy carries everything needed to check the chain away from this database.
        expect(eventHash(body)).toBe(body.hash);
      }
    } finally {
      await receiver.close();
    }
  });

  it('syslog over TCP: down first, up later, every event once as an RFC 5424 message', async () => {
    const tenantId = await newTenant();
    await recordAuditBatch(
      database.db,
      Array.from({ length: 8 }, (_, n) => ({ tenantId, actor: { kind: 'system' as const }, action: 'syslog.test', subjectType: 'thing', subjectId: `s-${n}`, details: { n } })),
    );
    const port = await freePort();
    const sink = createAuditSink({ target: { kind: 'syslog', transport: 'tcp', host: '127.0.0.1', port }, timeoutMs: 2_000 });
    const worker = forwarder(sink);
    expect((await worker.runOnce()).delivered).toBe(0);
    const collector = await startTcpSyslog(port);
    try {
      await drain(worker);
      // Delivered means the kernel took the bytes; wait until the collector has read them all.
      const stored = await storedEvents(tenantId);
      for (let i = 0; i < 100 && collector.messages.map(parseSyslog).filter((m) => m.event.tenantId === tenantId).length < stored.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const mine = collector.messages.map(parseSyslog).filter((m) => m.event.tenantId === tenantId);
      expect(mine.map((m) => m.event.seq).sort((a, b) => a - b)).toEqual(stored.map((e) => e.seq));
      const sample = mine.find((m) => m.event.action === 'syslog.test')!;
      expect(sample).toMatchObject({ pri: 110, app: 'parley', procId: '-', msgId: 'syslog.test' });
      expect(sample.timestamp).toBe(sample.event.at);
      expect(sample.sd).toBe(`[parley@32473 tenant="${tenantId}" seq="${sample.event.seq}" id="${sample.event.id}" hash="${sample.event.hash}"]`);
    } finally {
      sink.close?.();
      await collector.close();
    }
  });

  it('syslog over UDP: one datagram per event', async () => {
    const tenantId = await newTenant();
    const datagrams: string[] = [];
    const socket = createSocket('udp4');
    socket.on('message', (message) => datagrams.push(message.toString('utf8')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const sink = createAuditSink({ target: { kind: 'syslog', transport: 'udp', host: '127.0.0.1', port: socket.address().port }, timeoutMs: 2_000 });
    try {
      await recordAudit(database.db, { tenantId, actor: { kind: 'system' }, action: 'udp.test', subjectType: 'thing', subjectId: 'u-1', details: { ok: true } });
      await drain(forwarder(sink));
      const stored = await storedEvents(tenantId);
      for (let i = 0; i < 100 && datagrams.map(parseSyslog).filter((m) => m.event.tenantId === tenantId).length < stored.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const mine = datagrams.map(parseSyslog).filter((m) => m.event.tenantId === tenantId);
      expect(mine.map((m) => m.event.seq).sort((a, b) => a - b)).toEqual(stored.map((e) => e.seq));
      expect(mine.find((m) => m.msgId === 'udp.test')!.event).toMatchObject({ subjectId: 'u-1', details: { ok: true } });
    } finally {
      sink.close?.();
      socket.close();
    }
  });

  it('a sink that refuses for good (HTTP 401) dead-letters the copies instead of retrying forever', async () => {
    const tenantId = await newTenant();
    const server = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await recordAudit(database.db, { tenantId, actor: { kind: 'system' }, action: 'refused.test', subjectType: 'thing', subjectId: 'r-1' });
      await drain(forwarder(createAuditSink({ target: { kind: 'http', url: `http://127.0.0.1:${port}/` }, timeoutMs: 2_000 })));
      const dead = rowsOf<{ n: string | number }>(
        await database.db.execute(sql`SELECT count(*) AS n FROM outbox_messages WHERE kind = 'audit.event' AND state = 'dead' AND tenant_id = ${tenantId}::uuid`),
      );
      expect(Number(dead[0]!.n)).toBeGreaterThanOrEqual(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

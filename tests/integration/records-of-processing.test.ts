import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusGateway } from '../../backend/src/adapters/janus/gateway.js';
import { createApp } from '../../backend/src/app.js';
import { loadConfig } from '../../backend/src/config.js';
import type { Database } from '../../backend/src/db/client.js';
import { auditEvents } from '../../backend/src/db/schema/index.js';
import { describeDeployment } from '../../backend/src/services/records/describe-deployment.js';
import { SessionTokens } from '../../backend/src/services/sessions/session-tokens.js';
import type { LocalJanus } from '../../media/janus/local-node.js';
import { databaseKinds, freshDatabase } from '../support/databases.js';
import { buildTestApp, localRecordingDeps } from '../support/test-app.js';

/** Secrets the deployment is configured with: none of them may reach a document. */
const secrets = { janus: 'janus-api-secret-0123456789', vault: 'hvs.vault-token-0123456789', sinkPassword: 'sink-password-0123', sinkToken: 'sink-bearer-token-0123' };

/** A production-like installation, described by the real config parser: external Janus, Vault, S3 in two regions, an audit sink. */
function productionConfig(dataDir: string, chromiumPath = '/usr/bin/chromium') {
  const s3 = (name: string, region: string) => ({ name, kind: 's3', region, bucket: `parley-${name}`, endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
  return loadConfig({
    PARLEY_DATA_DIR: dataDir,
    PUBLIC_BASE_URL: 'https://parley.acme-bank.example',
    JANUS_MODE: 'external',
    JANUS_NODES: JSON.stringify([
      // Never contacted here: the documents only name where browsers and Parley reach it.
      { id: 'media-1', wsUrl: 'ws://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', browserUrl: 'https://media-1.acme-bank.example/janus', apiSecret: secrets.janus, adminSecret: secrets.janus, adminKey: secrets.janus },
    ]),
    STORAGE_LOCATIONS: JSON.stringify([s3('eu-s3', 'eu-central-1'), s3('uk-s3', 'eu-west-2')]),
    KMS_PROVIDER: 'vault',
    VAULT_ADDR: 'https://vault.acme-bank.example:8200',
    VAULT_TOKEN: secrets.vault,
    AUDIT_SINK_URL: `https://audit:${secrets.sinkPassword}@siem.acme-bank.example/ingest`,
    AUDIT_SINK_TOKEN: secrets.sinkToken,
    CHROMIUM_PATH: chromiumPath,
  });
}

/** The app over `database`, wired as `startParley` wires it: the deployment described from the config. */
function buildRecordsApp(database: Database, chromiumPath?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-records-'));
  const config = productionConfig(dataDir, chromiumPath);
  const gateway = new JanusGateway(config.janus.mode === 'external' ? config.janus.nodes : []);
  const tokens = new SessionTokens('test-session-secret-that-is-long-enough-0123456789');
  const app = createApp({
    db: database.db,
    media: gateway,
    tokens,
    logger: pino({ level: 'silent' }),
    publicBaseUrl: config.publicBaseUrl!,
    joinTokenTtlSeconds: config.joinTokenTtlSeconds,
    dataDir,
    ...localRecordingDeps(dataDir, config.storage.s3),
    records: { chromiumPath: config.chromiumPath, deployment: describeDeployment(config) },
    // Only for signing test users in through /api/demo/session; the described deployment is not a demo.
    demo: true,
    staticDir: mkdirSync(join(dataDir, 'bundle'), { recursive: true })!,
    readiness: {},
  });
  const request = (method: string, path: string, token?: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    request,
    async signIn(userId: string, role: 'agent' | 'admin' | 'dpo') {
      const res = await request('POST', '/api/demo/session', undefined, { accountId: 'acme-bank', userId, name: 'Dana Staff', role });
      expect(res.status).toBe(201);
      return ((await res.json()) as { token: string }).token;
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Section = { id: string; heading: string; blocks: { kind: string; text?: string; caption?: string; rows?: string[][]; items?: string[] }[] };
type JsonDocument = { configurationVersion: string; generatedAt: string; sections: Section[]; facts: Record<string, unknown> };

const printedVersion = (html: string) => html.match(/<code data-configuration-version>([0-9a-f]{64})<\/code>/)?.[1];
const table = (doc: JsonDocument, sectionId: string, caption: string) =>
  doc.sections.find((s) => s.id === sectionId)!.blocks.find((b) => b.kind === 'table' && b.caption === caption)!.rows!;

/** The document title in a PDF's Info dictionary, as Chromium writes it (UTF-16BE hex or a literal). */
function pdfTitle(pdf: Buffer): string | undefined {
  const text = pdf.toString('latin1');
  const hex = text.match(/\/Title\s*<FEFF([0-9A-Fa-f]*)>/);
  if (hex) return Buffer.from(hex[1]!, 'hex').swap16().toString('utf16le');
  return text.match(/\/Title\s*\(((?:\\.|[^\\)])*)\)/)?.[1];
}

describe.each(databaseKinds)('records of processing and DPIA summary on %s', (kind) => {
  let database: Database;
  let parley: ReturnType<typeof buildRecordsApp>;
  let admin: string;
  let dpo: string;
  let agent: string;
  let typeIds: Record<string, string>;

  const html = async (path: string, token = admin) => {
    const res = await parley.request('GET', path, token);
    expect(res.status).toBe(200);
    return { res, body: await res.text() };
  };
  const json = async (path: string, token = admin) => {
    const res = await parley.request('GET', `${path}?format=json`, token);
    expect(res.status).toBe(200);
    return (await res.json()) as JsonDocument;
  };

  beforeAll(async () => {
    database = await freshDatabase(kind);
    parley = buildRecordsApp(database);
    admin = await parley.signIn('admin-1', 'admin');
    dpo = await parley.signIn('dpo-1', 'dpo');
    agent = await parley.signIn('agent-1', 'agent');
    const settings = await parley.request('PUT', '/api/admin/settings', admin, {
      controllerName: 'Acme Bank AG',
      controllerContact: 'Acme Bank AG, Hauptstraße 1, 10115 Berlin, privacy@acme-bank.example',
      dpoContact: 'dpo@acme-bank.example',
      privacyPolicyUrl: 'https://acme-bank.example/privacy',
    });
    expect(settings.status).toBe(200);
    const types = (await (await parley.request('GET', '/api/meeting-types', admin)).json()) as { meetingTypes: { id: string; key: string }[] };
    typeIds = Object.fromEntries(types.meetingTypes.map((t) => [t.key, t.id]));
  }, 60_000);

  afterAll(async () => {
    await parley?.close();
    await database?.close();
  });

  it('names the controller, the DPO and every meeting type with its retention, as an accessible page', async () => {
    const { res, body } = await html('/api/admin/records-of-processing');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const version = printedVersion(body)!;
    expect(version).toMatch(/^[0-9a-f]{64}$/);
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="records-of-processing-${version.slice(0, 12)}.html"`);
    expect(body).toContain(`Generated from configuration version <code>${version.slice(0, 12)}…</code> on <time`);

    expect(body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(body).not.toMatch(/<script|<link|<img|src=/i);
    expect(body).toContain('<th scope="row">Controller</th><td>Acme Bank AG</td>');
    expect(body).toContain('<th scope="row">Data protection officer</th><td>dpo@acme-bank.example</td>');
    expect(body).toContain('<caption>Retention per meeting type</caption>');
    expect(body).toContain('<th scope="col">Recordings (from when stored)</th>');
    expect(body).toContain('<tr><th scope="row">Advice call</th><td>1825 days (5 years)</td><td>1825 days (5 years)</td><td>1825 days (5 years)</td></tr>');
    expect(body).toContain('<tr><th scope="row">Consultation</th><td>90 days</td><td>1095 days (3 years)</td><td>1095 days (3 years)</td></tr>');
    expect(body).toContain('<tr><th scope="row">Support call</th><td>Not recorded</td><td>365 days (1 year)</td><td>365 days (1 year)</td></tr>');

    const doc = await json('/api/admin/records-of-processing');
    expect(table(doc, 'purposes', 'Purpose and legal basis per meeting type').map((row) => [row[0], row[2]!.split(',')[0]])).toEqual([
      ['Advice call (advice)', 'Legal obligation'],
      ['Consultation (consultation)', 'Consent'],
      ['Support call (support)', 'Legitimate interests'],
    ]);
    // Anyone holding the JSON can recompute the version from the facts it lists.
    expect(createHash('sha256').update(canonicalize(doc.facts)!).digest('hex')).toBe(doc.configurationVersion);
    expect(doc.configurationVersion).toBe(version);
  });

  it('gives an unchanged configuration the same version, and a retention change a new version and new words', async () => {
    const first = printedVersion((await html('/api/admin/records-of-processing')).body)!;
    const again = await html('/api/admin/records-of-processing');
    expect(printedVersion(again.body)).toBe(first);
    expect(again.res.headers.get('x-configuration-version')).toBe(first);

    const change = await parley.request('PUT', `/api/admin/meeting-types/${typeIds.consultation}/retention`, admin, { recordingDays: 120, metadataDays: 1095, consentDays: 1095, confirm: true });
    expect(change.status).toBe(200);

    const after = (await html('/api/admin/records-of-processing')).body;
    const changed = printedVersion(after)!;
    expect(changed).not.toBe(first);
    expect(after).toContain('<tr><th scope="row">Consultation</th><td>120 days</td><td>1095 days (3 years)</td>');
    expect(after).not.toContain('<tr><th scope="row">Consultation</th><td>90 days</td>');
    // The DPIA summary reads the same facts, so it carries the same version.
    expect((await json('/api/admin/dpia')).configurationVersion).toBe(changed);

    const generated = await database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'records.generated'), eq(auditEvents.subjectType, 'tenant')));
    expect(generated.map((e) => e.details)).toEqual(
      expect.arrayContaining([
        { kind: 'records-of-processing', format: 'html', configurationVersion: first },
        { kind: 'records-of-processing', format: 'html', configurationVersion: changed },
        { kind: 'dpia', format: 'json', configurationVersion: changed },
      ]),
    );
  });

  it('lets the DPO read both documents and refuses agents, with the refusal audited', async () => {
    expect((await parley.request('GET', '/api/admin/records-of-processing', dpo)).status).toBe(200);
    const dpia = await html('/api/admin/dpia', dpo);
    expect(dpia.body).toContain('<h1>Data protection impact assessment: summary</h1>');
    for (const risk of ['Unauthorised joining of a call', 'Unlawful recording', 'Keeping data longer than needed', 'Unauthorised playback of recordings', 'Loss of confidentiality at rest', 'Access by vendors']) {
      expect(dpia.body).toMatch(new RegExp(`<th scope="row">${risk}[^<]*</th><td>[^<]+</td><td>(Low|Medium|High): `));
    }

    for (const path of ['/api/admin/records-of-processing', '/api/admin/dpia', '/api/admin/dpia?format=pdf']) {
      const refused = await parley.request('GET', path, agent);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    const denials = await database.db.select({ details: auditEvents.details }).from(auditEvents).where(and(eq(auditEvents.action, 'access.denied'), eq(auditEvents.subjectType, 'records')));
    expect(denials.length).toBeGreaterThanOrEqual(3);
    expect((await parley.request('GET', '/api/admin/records-of-processing')).status).toBe(401);
    expect((await parley.request('GET', '/api/admin/records-of-processing?format=docx', admin)).status).toBe(400);
  });

  it('lists the processors the deployment names, without any of its secrets, and a transfer once recordings leave the EU', async () => {
    const recipientsOf = (doc: JsonDocument) => table(doc, 'recipients', 'Recipients and processors');
    const initial = recipientsOf(await json('/api/admin/records-of-processing'));
    const where = Object.fromEntries(initial.map((row) => [row[0], row[3]]));
    expect(where['Janus media servers']).toContain('browsers reach media-1.acme-bank.example');
    expect(where['Key management']).toContain('HashiCorp Vault Transit at vault.acme-bank.example:8200');
    expect(where['Audit collector']).toBe('HTTPS collector at siem.acme-bank.example');
    expect(where['Recording storage']).toBe('Disk of the Parley server ("local"), region eu: European Union');
    expect(where['Zendesk']).toBe('acme-bank.zendesk.com');

    expect((await parley.request('PUT', `/api/admin/meeting-types/${typeIds.advice}/storage-location`, admin, { storageLocation: 'eu-s3' })).status).toBe(200);
    const inEu = await json('/api/admin/records-of-processing');
    expect(recipientsOf(inEu).filter((row) => row[0] === 'Object storage provider').map((row) => row[3])).toEqual([
      'S3-compatible object storage at 127.0.0.1:9, bucket parley-eu-s3 in region eu-central-1 ("eu-s3"): Frankfurt, Germany',
    ]);
    expect(inEu.sections.find((s) => s.id === 'transfers')!.blocks[0]!.text).toBe(
      "No transfer to a third country through Parley's storage: recordings are stored only in EU regions (eu, eu-central-1).",
    );

    // London passes the account's "eu" region family, but it is outside the EU: the record calls it a transfer.
    expect((await parley.request('PUT', `/api/admin/meeting-types/${typeIds.consultation}/storage-location`, admin, { storageLocation: 'uk-s3' })).status).toBe(200);
    const outside = await json('/api/admin/records-of-processing');
    expect(outside.configurationVersion).not.toBe(inEu.configurationVersion);
    expect(table(outside, 'transfers', 'Transfers to third countries')).toEqual([
      ['Encrypted recordings of Consultation (storage location "uk-s3")', 'London, United Kingdom', expect.stringContaining('adequacy decision for the United Kingdom')],
    ]);
    const risks = table(await json('/api/admin/dpia'), 'risks', 'Risks to customers and staff');
    expect(risks.find((r) => r[0] === 'Access by vendors')![2]).toMatch(/^Medium: Recordings leave the EU: Encrypted recordings of Consultation/);

    for (const format of ['json', 'html']) {
      for (const path of ['/api/admin/records-of-processing', '/api/admin/dpia']) {
        const text = await (await parley.request('GET', `${path}?format=${format}`, admin)).text();
        for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
      }
    }
  });

  it('escapes what admins type', async () => {
    const hostile = '<script>alert("x")</script> Bank & Co';
    const saved = await parley.request('PUT', '/api/admin/settings', admin, { controllerName: hostile, dpoContact: '<img src=x onerror=alert(1)>' });
    expect(saved.status).toBe(200);
    for (const path of ['/api/admin/records-of-processing', '/api/admin/dpia']) {
      const { res, body } = await html(path);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(body).not.toMatch(/<script|<img/i);
      expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Bank &amp; Co');
      expect(body).toMatch(/<title>[^<]*&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; Bank &amp; Co[^<]*<\/title>/);
    }
    expect((await html('/api/admin/records-of-processing')).body).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>');
  });

  it('prints the record to an A4 PDF named after the configuration version it shows', async () => {
    const version = printedVersion((await html('/api/admin/records-of-processing')).body)!;
    const res = await parley.request('GET', '/api/admin/records-of-processing?format=pdf', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="records-of-processing-${version.slice(0, 12)}.pdf"`);
    expect(res.headers.get('x-configuration-version')).toBe(version);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdf.toString('latin1');
    const pages = text.match(/\/Type\s*\/Page\b/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(new RegExp(`/Type\\s*/Pages\\b[^>]*?/Count ${pages.length}\\b|/Count ${pages.length}\\b[^>]*?/Type\\s*/Pages\\b`));
    // A4 is 595 × 842 points.
    const [width, height] = text.match(/\/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/)!.slice(1).map(Number);
    expect(Math.round(width!)).toBe(595);
    expect(Math.round(height!)).toBe(842);
    // The text layer is compressed; the document title in the PDF's metadata names the version in clear.
    expect(pdfTitle(pdf)).toContain(`configuration ${version.slice(0, 12)}`);
    expect(pdfTitle(pdf)).toContain('Record of processing activities');
  }, 60_000);

  it('answers 503 when Chromium cannot start, and audits no generation', async () => {
    const broken = buildRecordsApp(database, '/nonexistent/chromium');
    try {
      const token = await broken.signIn('admin-1', 'admin');
      const before = await database.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.action, 'records.generated'));
      const res = await broken.request('GET', '/api/admin/dpia?format=pdf', token);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PDF_RENDERER_UNAVAILABLE');
      const after = await database.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.action, 'records.generated'));
      expect(after.length).toBe(before.length);
    } finally {
      await broken.close();
    }
  });

  it('describes both documents and their three formats in the OpenAPI document', async () => {
    const doc = (await (await parley.request('GET', '/api/openapi.json')).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> };
    for (const path of ['/api/admin/records-of-processing', '/api/admin/dpia']) {
      expect(Object.keys(doc.paths[path]!.get!.responses['200']!.content!).sort()).toEqual(['application/json', 'application/pdf', 'text/html']);
      expect(Object.keys(doc.paths[path]!.get!.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '503']));
    }
  });

  it('says so when the server was built without a description of its deployment', async () => {
    const noMediaServer = { node: { id: 'unused', wsUrl: 'ws://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9', browserUrl: 'http://127.0.0.1:9', apiSecret: 'x'.repeat(16), adminSecret: 'x'.repeat(16), adminKey: 'x'.repeat(16) } } as LocalJanus;
    const bare = await buildTestApp(database, noMediaServer);
    try {
      const token = await bare.signIn('acme-bank', 'admin-1', 'admin');
      const res = await bare.call('GET', '/api/admin/records-of-processing?format=json', { token });
      expect(res.status).toBe(200);
      expect(res.body.facts.deployment).toBeNull();
      const recipients = (res.body as JsonDocument).sections.find((s) => s.id === 'recipients')!;
      expect(recipients.blocks.some((b) => b.kind === 'warning' && /without a description of its deployment/.test(b.text!))).toBe(true);
    } finally {
      await bare.close();
    }
  });
});

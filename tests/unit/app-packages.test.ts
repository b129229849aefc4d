import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { imageSize } from 'image-size';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageRoutes } from '../../backend/src/routes/pages.js';
import { DeploymentError, teamsDeployment, zendeskDeployment } from '../../manifest/src/deployment.js';
import { teamsManifestProblems } from '../../manifest/src/teams.js';
import { zendeskManifestProblems } from '../../manifest/src/zendesk.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(repo, 'node_modules/.bin/tsx');

const BASE_URL = 'https://parley.example.eu';
const HOST = 'parley.example.eu';
const ids = { app: randomUUID(), bot: randomUUID(), sso: randomUUID() };
/** Server secrets present in the environment the packer runs in: none may end up in a package. */
const serverSecrets = {
  MICROSOFT_APP_PASSWORD: `app-password-${randomBytes(12).toString('hex')}`,
  ZENDESK_API_TOKEN: `zendesk-token-${randomBytes(12).toString('hex')}`,
  SESSION_SECRET: randomBytes(32).toString('base64url'),
};

/** Runs the packer as `npm run package:*` does, with only the environment given here. */
function pack(target: 'zendesk' | 'teams', outDir: string, args: string[], env: Record<string, string> = {}) {
  return run(tsx, ['manifest/pack.ts', target, '--out-dir', outDir, ...args], { cwd: repo, env: { PATH: process.env.PATH!, ...serverSecrets, ...env } });
}

/** A zip's entries, read with Info-ZIP's unzip as Zendesk's and Microsoft's upload pages would see them. */
function unzipped(file: string) {
  const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
  const bytes = (name: string) => execFileSync('unzip', ['-p', file, name], { maxBuffer: 16 * 2 ** 20 });
  // A fresh object on every call: tests may change what they get.
  return { names, bytes, json: (name: string) => JSON.parse(bytes(name).toString('utf8')) as Record<string, unknown> };
}

/** Pixels of an 8-bit RGBA PNG (what resvg writes), unfiltered: enough to check an icon's colours. */
function rgba(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const chunks: Buffer[] = [];
  let header: Buffer | undefined;
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') chunks.push(data);
    offset += 12 + length;
  }
  if (!header || header[8] !== 8 || header[9] !== 6 || header[12] !== 0) throw new Error('not an 8-bit, non-interlaced RGBA PNG');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Every key path of a nested object, e.g. app.parameters.parleyHost.label, with its value. */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) for (const [path, leaf] of leaves(child, prefix ? `${prefix}.${key}` : key)) out.set(path, leaf);
  } else out.set(prefix, value);
  return out;
}

let dir: string;
let zendesk: ReturnType<typeof unzipped>;
let teams: ReturnType<typeof unzipped>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-packages-'));
  // Zendesk from flags, Teams from the environment: both ways an operator may configure the packer.
  await Promise.all([
    pack('zendesk', dir, ['--base-url', BASE_URL, '--support-email', 'help@example.eu']),
    pack('teams', dir, [], {
      PUBLIC_BASE_URL: BASE_URL,
      TEAMS_APP_ID: ids.app,
      MICROSOFT_APP_ID: ids.bot,
      TEAMS_SSO_CLIENT_ID: ids.sso,
      PARLEY_PRIVACY_URL: 'https://example.eu/privacy',
      PARLEY_TERMS_URL: 'https://example.eu/terms',
      PARLEY_APP_VERSION: '2.3.4',
    }),
  ]);
  zendesk = unzipped(join(dir, 'parley-zendesk.zip'));
  teams = unzipped(join(dir, 'parley-teams.zip'));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Zendesk app package', () => {
  it('holds manifest.json, translations/ and assets/ at its root and nothing else', () => {
    expect([...zendesk.names].sort()).toEqual([
      'assets/logo-small.png',
      'assets/logo.png',
      'manifest.json',
      'translations/de.json',
      'translations/en.json',
      'translations/es.json',
      'translations/fr.json',
      'translations/nl.json',
    ]);
  });

  it('has the logos Zendesk requires, at their sizes', () => {
    expect(imageSize(zendesk.bytes('assets/logo.png'))).toMatchObject({ type: 'png', width: 320, height: 320 });
    expect(imageSize(zendesk.bytes('assets/logo-small.png'))).toMatchObject({ type: 'png', width: 128, height: 128 });
  });

  it('opens the sidebar from the signed-URL route of the Parley host the installation names', async () => {
    const manifest = zendesk.json('manifest.json');
    expect(await zendeskManifestProblems(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      frameworkVersion: '2.0',
      signedUrls: true,
      defaultLocale: 'en',
      author: { email: 'help@example.eu', url: BASE_URL },
      location: { support: { ticket_sidebar: { url: 'https://{{setting.parleyHost}}/zendesk/sidebar' } } },
      domainWhitelist: [HOST],
    });
    const parameters = manifest.parameters as { name: string; default?: unknown; secure?: boolean }[];
    expect(parameters.find((p) => p.name === 'parleyHost')?.default).toBe(HOST);
    // Every {{setting.x}} in a location URL must be a declared setting, or Zendesk loads a broken URL.
    const used = [...JSON.stringify(manifest.location).matchAll(/\{\{setting\.(\w+)\}\}/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(parameters.map((p) => p.name)).toContain(name);
  });

  it.each([
    ['without signedUrls', (m: Record<string, unknown>) => delete m.signedUrls],
    ['with signedUrls off', (m: Record<string, unknown>) => (m.signedUrls = false)],
    ['on framework 1.0', (m: Record<string, unknown>) => (m.frameworkVersion = '1.0')],
    ['with a plain-http sidebar', (m: Record<string, unknown>) => (m.location = { support: { ticket_sidebar: { url: 'http://parley.example.eu/zendesk/sidebar' } } })],
    ['with the sidebar elsewhere than /zendesk/sidebar', (m: Record<string, unknown>) => (m.location = { support: { ticket_sidebar: { url: 'https://parley.example.eu/app/sidebar.html' } } })],
    ['with a default value for a secure setting', (m: Record<string, unknown>) => (m.parameters = [{ name: 'parleyHost', required: true }, { name: 'parleyToken', secure: true, default: 'abc' }])],
    ['without an author', (m: Record<string, unknown>) => delete m.author],
    ['with a misspelt key', (m: Record<string, unknown>) => (m.signedUrl = true)],
  ])('the schema refuses a manifest %s', async (_case, breakIt) => {
    const manifest = structuredClone(zendesk.json('manifest.json'));
    breakIt(manifest);
    expect((await zendeskManifestProblems(manifest)).length).toBeGreaterThan(0);
  });

  it('has every English text in German, French, Dutch and Spanish, none of them empty', () => {
    const english = leaves(zendesk.json('translations/en.json'));
    for (const [, value] of english) expect(typeof value === 'string' && value.trim() !== '').toBe(true);
    for (const language of ['de', 'fr', 'nl', 'es']) {
      const translated = leaves(zendesk.json(`translations/${language}.json`));
      expect([...translated.keys()].sort(), language).toEqual([...english.keys()].sort());
      for (const [key, value] of translated) expect(typeof value === 'string' && value.trim() !== '', `${language}: ${key}`).toBe(true);
    }
  });

  it('labels every setting the installation form shows', () => {
    const english = leaves(zendesk.json('translations/en.json'));
    for (const { name } of zendesk.json('manifest.json').parameters as { name: string }[]) {
      expect(english.get(`app.parameters.${name}.label`), name).toEqual(expect.any(String));
      expect(english.get(`app.parameters.${name}.helpText`), name).toEqual(expect.any(String));
    }
  });
});

describe('the Teams app package', () => {
  it('holds manifest.json and the two icons at its root and nothing else', () => {
    expect([...teams.names].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  });

  it('has a 192×192 colour icon and a 32×32 outline icon that is white on transparent', () => {
    expect(imageSize(teams.bytes('color.png'))).toMatchObject({ type: 'png', width: 192, height: 192 });
    const outline = rgba(teams.bytes('outline.png'));
    expect(outline).toMatchObject({ width: 32, height: 32 });
    let drawn = 0;
    let clear = 0;
    for (let i = 0; i < outline.pixels.length; i += 4) {
      const [r, g, b, alpha] = outline.pixels.subarray(i, i + 4);
      if (alpha === 0) clear++;
      else {
        drawn++;
        // Edges are antialiased through alpha only: the colour itself stays white.
        expect(Math.min(r!, g!, b!)).toBeGreaterThanOrEqual(250);
      }
    }
    expect(drawn).toBeGreaterThan(50);
    expect(clear).toBeGreaterThan(50);
  });

  it('is valid against the Teams 1.22 schema, checked offline with the schema @microsoft/app-manifest bundles', async () => {
    const manifest = teams.json('manifest.json');
    expect(manifest).toMatchObject({ $schema: 'https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json', manifestVersion: '1.22' });
    expect(await teamsManifestProblems(manifest)).toEqual([]);
    // The same validator does fail: an id that is not a GUID and no icons.
    const broken = { ...structuredClone(manifest), id: 'parley', icons: undefined };
    expect(await teamsManifestProblems(broken)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/id /), expect.stringMatching(/icons/)]));
  });

  it('points the bot, its escalate action, the tab and single sign-on at this deployment', () => {
    expect(teams.json('manifest.json')).toMatchObject({
      id: ids.app,
      version: '2.3.4',
      bots: [{ botId: ids.bot, scopes: ['personal', 'groupChat', 'team'] }],
      // "Escalate to video" in a chat: the bot answers the dialog (fetchTask) and its submission.
      composeExtensions: [{ botId: ids.bot, commands: [{ id: 'escalateToVideo', type: 'action', fetchTask: true }] }],
      staticTabs: [{ contentUrl: `${BASE_URL}/teams/tab`, scopes: ['personal'] }],
      validDomains: [HOST],
      webApplicationInfo: { id: ids.sso, resource: `api://${HOST}/${ids.sso}` },
      developer: { websiteUrl: BASE_URL, privacyUrl: 'https://example.eu/privacy', termsOfUseUrl: 'https://example.eu/terms' },
    });
  });
});

describe('what the packages must not carry', () => {
  it('no secret from the environment, no private key, no token, no dotfile', () => {
    for (const [label, zip] of [['zendesk', zendesk], ['teams', teams]] as const) {
      for (const name of zip.names) {
        expect(name, label).not.toMatch(/(^|\/)\.|\.(pem|key|p12|pfx)$/i);
        const text = zip.bytes(name).toString('latin1');
        for (const secret of Object.values(serverSecrets)) expect(text.includes(secret), `${label}:${name}`).toBe(false);
        expect(text, `${label}:${name}`).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|eyJ[\w-]{8,}\.[\w-]{8,}\.|AKIA[0-9A-Z]{16}/);
      }
    }
  });

  it('no value for a secure Zendesk setting, so an installation never starts with a shared secret', () => {
    const parameters = zendesk.json('manifest.json').parameters as { secure?: boolean; default?: unknown }[];
    const secure = parameters.filter((p) => p.secure);
    expect(secure.length).toBeGreaterThan(0);
    for (const parameter of secure) expect(parameter).not.toHaveProperty('default');
  });
});

describe('the packer refuses what the hosts would refuse later', () => {
  it('says on stderr which flag or variable is wrong, exits non-zero and writes nothing', async () => {
    const out = await mkdtemp(join(tmpdir(), 'parley-refused-'));
    try {
      const failed = await pack('teams', out, ['--base-url', 'http://parley.example.eu', '--app-id', 'parley']).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain('--base-url (or PUBLIC_BASE_URL) must be an https:// address');
      expect(failed?.stderr).toContain('--app-id (or TEAMS_APP_ID) must be a GUID');
      expect(failed?.stderr).toContain('--bot-id (or MICROSOFT_APP_ID) is missing');
      expect(failed?.stderr).toContain('--sso-client-id (or TEAMS_SSO_CLIENT_ID) is missing');
      expect(failed?.stderr).not.toMatch(/\bat .+\.ts:\d+/);
      expect(existsSync(join(out, 'parley-teams.zip'))).toBe(false);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 30_000);

  const teamsValues = { baseUrl: BASE_URL, appId: ids.app, botId: ids.bot, ssoClientId: ids.sso, privacyUrl: 'https://example.eu/p', termsUrl: 'https://example.eu/t', version: '1.0.0', publisher: 'Parley' };

  it.each([
    [{ baseUrl: 'https://parley.example.eu/parley' }, '--base-url (or PUBLIC_BASE_URL) must be an origin only'],
    [{ baseUrl: 'parley.example.eu' }, '--base-url (or PUBLIC_BASE_URL) must be an https:// address'],
    [{ botId: '' }, '--bot-id (or MICROSOFT_APP_ID) is missing'],
    [{ ssoClientId: '1234' }, '--sso-client-id (or TEAMS_SSO_CLIENT_ID) must be a GUID'],
    [{ privacyUrl: 'http://example.eu/p' }, '--privacy-url (or PARLEY_PRIVACY_URL) must be an https:// address'],
    [{ version: '1.0' }, '--app-version (or PARLEY_APP_VERSION) must be a semantic version'],
    [{ publisher: 'A publisher name far longer than Teams allows' }, '--publisher (or PARLEY_PUBLISHER) must be at most 32 characters'],
  ])('Teams: %o → %s', (change, message) => {
    expect(() => teamsDeployment({ ...teamsValues, ...change })).toThrow(DeploymentError);
    expect(() => teamsDeployment({ ...teamsValues, ...change })).toThrow(message);
  });

  it('Zendesk: needs https and an address for support requests', () => {
    expect(() => zendeskDeployment({ baseUrl: 'http://parley.example.eu', version: '1.0.0', publisher: 'Parley' })).toThrow(
      /--base-url \(or PUBLIC_BASE_URL\) must be an https:\/\/ address[\s\S]*--support-email \(or PARLEY_SUPPORT_EMAIL\) is missing/,
    );
  });
});

describe('the Teams tab page', () => {
  let staticDir: string;

  beforeAll(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'parley-tab-'));
    await writeFile(join(staticDir, 'teams-tab.html'), '<!doctype html><title>Parley</title>');
  });

  afterAll(async () => {
    await rm(staticDir, { recursive: true, force: true });
  });

  it('is served at the tab URL in the Teams manifest, and only Microsoft’s hosts may frame it', async () => {
    const contentUrl = new URL((teams.json('manifest.json').staticTabs as { contentUrl: string }[])[0]!.contentUrl);
    const response = await pageRoutes({ staticDir, demo: false }).request(contentUrl.pathname);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Parley</title>');
    expect(response.headers.get('x-frame-options')).toBeNull();
    const policy = response.headers.get('content-security-policy') ?? '';
    const ancestors = policy.match(/frame-ancestors ([^;]+)/)?.[1]?.split(' ') ?? [];
    expect(ancestors).toEqual(expect.arrayContaining(['https://teams.microsoft.com', 'https://*.teams.microsoft.com', 'https://*.cloud.microsoft']));
    for (const source of ancestors) expect(source).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]*(microsoft\.com|cloud\.microsoft|microsoft365\.com|office\.com|office365\.com)$/);
    expect(policy).toContain("connect-src 'self'");
  });

  it("serves the recording viewer for the bot's Play recording dialog, framed by Microsoft's hosts only and playing from its own origin", async () => {
    await writeFile(join(staticDir, 'recording.html'), '<!doctype html><title>Call recording</title>');
    const response = await pageRoutes({ staticDir, demo: false }).request('/teams/recording?recording=6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Call recording</title>');
    const policy = response.headers.get('content-security-policy') ?? '';
    const tabPolicy = (await pageRoutes({ staticDir, demo: false }).request('/teams/tab')).headers.get('content-security-policy') ?? '';
    const ancestors = policy.match(/frame-ancestors [^;]+/)?.[0];
    expect(ancestors).toContain('https://teams.microsoft.com');
    expect(ancestors).toBe(tabPolicy.match(/frame-ancestors [^;]+/)?.[0]);
    expect(policy).toContain("media-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('says the bundle is missing rather than serving an empty frame', async () => {
    const unbuilt = await mkdtemp(join(tmpdir(), 'parley-unbuilt-'));
    const response = await pageRoutes({ staticDir: unbuilt, demo: false }).request('/teams/tab');
    await rm(unbuilt, { recursive: true, force: true });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('npm run build');
  });
});

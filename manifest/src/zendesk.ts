import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { ZendeskDeployment } from './deployment.js';
import { renderPng } from './render.js';
import type { PackageEntry } from './zip.js';

export const zendeskDir = fileURLToPath(new URL('../zendesk/', import.meta.url));

/** The setting the sidebar URL is built from (`https://{{setting.parleyHost}}/zendesk/sidebar`). */
const HOST_SETTING = 'parleyHost';

/** Zendesk's required images, both drawn from assets/logo.svg. */
const logos = [
  { name: 'assets/logo.png', size: 320 },
  { name: 'assets/logo-small.png', size: 128 },
];

interface Parameter {
  name: string;
  [key: string]: unknown;
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

let compiled: Promise<ValidateFunction> | undefined;

/** Validates a manifest against manifest.schema.json; returns the problems, empty when there are none. */
export async function zendeskManifestProblems(manifest: unknown): Promise<string[]> {
  // strictSchema: a keyword ajv does not know (a typo in the schema) is an error, not a silently passing check.
  compiled ??= readJson(`${zendeskDir}manifest.schema.json`).then((schema) =>
    new Ajv2020({ allErrors: true, strictSchema: true, strictRequired: false, strictTypes: false }).compile(schema as object),
  );
  const validate = await compiled;
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}

/**
 * The deployment's values go where Zendesk needs them: who publishes the app, its version, the
 * Parley host pre-filled in the installation form (admins may change it; the sidebar URL reads it
 * from the setting) and that host among the domains the app may talk to.
 */
function fillManifest(source: Record<string, unknown>, d: ZendeskDeployment): Record<string, unknown> {
  const { name, parameters, ...rest } = source as { name: string; parameters: Parameter[]; domainWhitelist?: string[] };
  if (!parameters.some((p) => p.name === HOST_SETTING)) throw new Error(`manifest.json must declare the ${HOST_SETTING} setting the sidebar URL uses.`);
  for (const key of ['author', 'version', 'termsConditionsURL']) {
    if (key in rest) throw new Error(`manifest.json must not set ${key}: the packer fills it in for each deployment.`);
  }
  return {
    name,
    author: { name: d.publisher, email: d.supportEmail, url: d.websiteUrl },
    version: d.version,
    ...rest,
    ...(d.termsUrl ? { termsConditionsURL: d.termsUrl } : {}),
    parameters: parameters.map((p) => (p.name === HOST_SETTING ? { ...p, default: d.host } : p)),
    domainWhitelist: [...new Set([...(rest.domainWhitelist ?? []), d.host])],
  };
}

/** Everything that goes into parley-zendesk.zip: manifest.json, translations/ and assets/ at the root. */
export async function zendeskPackage(d: ZendeskDeployment): Promise<PackageEntry[]> {
  const manifest = fillManifest((await readJson(`${zendeskDir}manifest.json`)) as Record<string, unknown>, d);
  const problems = await zendeskManifestProblems(manifest);
  if (problems.length > 0) throw new Error(`The Zendesk manifest would be invalid:\n  ${problems.join('\n  ')}`);

  const translations: PackageEntry[] = [];
  for (const file of (await readdir(`${zendeskDir}translations`)).filter((name) => name.endsWith('.json')).sort()) {
    // Parsed and re-serialised: a file that is not JSON stops the build here, not at upload.
    translations.push({ name: `translations/${file}`, body: `${JSON.stringify(await readJson(`${zendeskDir}translations/${file}`), null, 2)}\n` });
  }
  const images = await Promise.all(logos.map(async ({ name, size }) => ({ name, body: await renderPng(`${zendeskDir}assets/logo.svg`, size) })));
  return [{ name: 'manifest.json', body: `${JSON.stringify(manifest, null, 2)}\n` }, ...translations, ...images];
}

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AppManifestUtils, type TeamsManifest } from '@microsoft/app-manifest';
import type { TeamsDeployment } from './deployment.js';
import { renderPng } from './render.js';
import { zendeskDir } from './zendesk.js';
import type { PackageEntry } from './zip.js';

export const teamsDir = fileURLToPath(new URL('../teams/', import.meta.url));

/** The schema bundled with @microsoft/app-manifest, read from disk: validating must never fetch it from Microsoft. */
export const teamsSchemaFile = createRequire(import.meta.url).resolve('@microsoft/app-manifest/build/json-schemas/teams/v1.22/MicrosoftTeams.schema.json');

/** Validates a Teams manifest against the bundled 1.22 schema; returns the problems, empty when there are none. */
export async function teamsManifestProblems(manifest: unknown): Promise<string[]> {
  const schema = JSON.parse(await readFile(teamsSchemaFile, 'utf8')) as Parameters<typeof AppManifestUtils.validateAgainstSchema>[1];
  return AppManifestUtils.validateAgainstSchema(manifest as TeamsManifest, schema);
}

/** Replaces every `{{name}}` in the template's strings; a name the deployment does not know is a template bug. */
function fill(template: string, values: Record<string, string>): unknown {
  return JSON.parse(template, (_key, value: unknown) =>
    typeof value === 'string'
      ? value.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
          const filled = values[name];
          if (filled === undefined) throw new Error(`manifest.template.json uses {{${name}}}, which the packer does not provide.`);
          return filled;
        })
      : value,
  );
}

/** Everything that goes into parley-teams.zip: manifest.json and its two icons at the root. */
export async function teamsPackage(d: TeamsDeployment): Promise<PackageEntry[]> {
  const manifest = fill(await readFile(`${teamsDir}manifest.template.json`, 'utf8'), {
    baseUrl: d.baseUrl,
    host: d.host,
    version: d.version,
    publisher: d.publisher,
    websiteUrl: d.websiteUrl,
    privacyUrl: d.privacyUrl,
    termsUrl: d.termsUrl,
    appId: d.appId,
    botId: d.botId,
    ssoClientId: d.ssoClientId,
  });
  const problems = await teamsManifestProblems(manifest);
  if (problems.length > 0) throw new Error(`The Teams manifest would be invalid:\n  ${problems.join('\n  ')}`);
  return [
    { name: 'manifest.json', body: `${JSON.stringify(manifest, null, 2)}\n` },
    // One brand mark: the full-colour icon is the Zendesk logo; the outline is its white silhouette, as Teams requires.
    { name: 'color.png', body: await renderPng(`${zendeskDir}assets/logo.svg`, 192) },
    { name: 'outline.png', body: await renderPng(`${teamsDir}outline.svg`, 32) },
  ];
}

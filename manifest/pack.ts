import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { DeploymentError, settings, teamsDeployment, zendeskDeployment, type RawSettings, type SettingName } from './src/deployment.js';
import { teamsPackage } from './src/teams.js';
import { zendeskPackage } from './src/zendesk.js';
import { writeZip, type PackageEntry } from './src/zip.js';

/**
 * Builds the installable app packages:
 *   npm run package:zendesk -- --base-url https://parley.example.eu --support-email help@example.eu
 *   npm run package:teams -- --base-url … --app-id … --bot-id … --sso-client-id … --privacy-url … --terms-url …
 * Every flag can come from the environment instead (see --help).
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { version: packageVersion } = JSON.parse(await readFile(`${repoRoot}package.json`, 'utf8')) as { version: string };

const defaults: Partial<Record<SettingName, string>> = { version: packageVersion, publisher: 'Parley' };

function option(name: SettingName): Option {
  const setting = settings[name];
  const flag = `${setting.flag} <value>`;
  const made = new Option(flag, setting.what).env(setting.env);
  return defaults[name] ? made.default(defaults[name]) : made;
}

/** Commander names options after their flags (--app-version → appVersion); the checks name them after the settings. */
function rawSettings(names: SettingName[], options: Record<string, string | undefined>): RawSettings {
  return Object.fromEntries(names.map((name) => [name, options[option(name).attributeName()]]));
}

type Target = 'zendesk' | 'teams';

const targets: Record<Target, { names: SettingName[]; description: string; build: (raw: RawSettings) => Promise<PackageEntry[]>; next: (raw: RawSettings) => string[] }> = {
  zendesk: {
    names: ['baseUrl', 'supportEmail', 'version', 'publisher', 'websiteUrl', 'termsUrl'],
    description: 'Zendesk Support app (ticket sidebar) → parley-zendesk.zip',
    build: (raw) => zendeskPackage(zendeskDeployment(raw)),
    next: () => [
      'Upload it in Zendesk Admin Center › Apps and integrations › Zendesk Support apps › Upload private app,',
      "then set ZENDESK_APP_ID on the Parley server to the new app's id.",
    ],
  },
  teams: {
    names: ['baseUrl', 'appId', 'botId', 'ssoClientId', 'privacyUrl', 'termsUrl', 'version', 'publisher', 'websiteUrl'],
    description: 'Microsoft Teams app (bot + personal tab) → parley-teams.zip',
    build: (raw) => teamsPackage(teamsDeployment(raw)),
    next: (raw) => {
      const d = teamsDeployment(raw);
      return [
        'Upload it in the Teams admin center › Teams apps › Manage apps.',
        `The Parley server must accept the tab's sign-in tokens: TEAMS_SSO_AUDIENCE=api://${d.host}/${d.ssoClientId},${d.ssoClientId}`,
      ];
    },
  },
};

const program = new Command('pack').description("Builds Parley's app packages for Zendesk and Microsoft Teams.").showHelpAfterError();
for (const [target, spec] of Object.entries(targets) as [Target, (typeof targets)[Target]][]) {
  const command = program.command(target).description(spec.description).addOption(new Option('--out-dir <dir>', 'where to write the zip').default(resolve(repoRoot, 'dist')));
  for (const name of spec.names) command.addOption(option(name));
  command.action(async (options: Record<string, string | undefined>) => {
    const raw = rawSettings(spec.names, options);
    const entries = await spec.build(raw);
    const file = resolve(options.outDir!, `parley-${target}.zip`);
    await writeZip(entries, file);
    console.log(`Wrote ${relative(process.cwd(), file) || file} (${entries.length} files).`);
    for (const line of spec.next(raw)) console.log(line);
  });
}

try {
  await program.parseAsync();
} catch (error) {
  // A wrong flag is the user's to fix: say what, without a stack trace.
  console.error(error instanceof DeploymentError ? error.message : `Packaging failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

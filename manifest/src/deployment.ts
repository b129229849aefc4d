import { z } from 'zod';

/** One value a package needs from the deployment: its command-line flag, its environment variable, and what it is. */
export interface Setting {
  flag: string;
  env: string;
  what: string;
}

export const settings = {
  baseUrl: { flag: '--base-url', env: 'PUBLIC_BASE_URL', what: 'the public https:// origin of your Parley server, e.g. https://parley.example.eu' },
  version: { flag: '--app-version', env: 'PARLEY_APP_VERSION', what: 'the app version (semver), by default the version in package.json' },
  publisher: { flag: '--publisher', env: 'PARLEY_PUBLISHER', what: 'who publishes the app to your users (at most 32 characters)' },
  supportEmail: { flag: '--support-email', env: 'PARLEY_SUPPORT_EMAIL', what: 'where users of the app send support requests' },
  websiteUrl: { flag: '--website-url', env: 'PARLEY_WEBSITE_URL', what: 'an https:// page about the app; by default the base URL' },
  privacyUrl: { flag: '--privacy-url', env: 'PARLEY_PRIVACY_URL', what: 'the https:// privacy statement that Teams links from the app' },
  termsUrl: { flag: '--terms-url', env: 'PARLEY_TERMS_URL', what: 'the https:// terms of use that Teams links from the app' },
  appId: { flag: '--app-id', env: 'TEAMS_APP_ID', what: 'the Teams app id, a GUID you generate once and keep for every version' },
  botId: { flag: '--bot-id', env: 'MICROSOFT_APP_ID', what: "the bot's Microsoft App ID (a GUID), the same value the server has in MICROSOFT_APP_ID" },
  ssoClientId: { flag: '--sso-client-id', env: 'TEAMS_SSO_CLIENT_ID', what: 'the client id (a GUID) of the Entra ID app registration that signs Teams users in to the tab' },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;
export type RawSettings = Partial<Record<SettingName, string>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Teams and Zendesk load Parley in a frame of their own HTTPS pages: anything but https is refused by them later, so refuse it here first. */
const httpsUrl = z.string().refine((value) => {
  const url = parseUrl(value);
  return url?.protocol === 'https:' && url.username === '' && url.password === '';
}, 'must be an https:// address (Teams and Zendesk only load apps over HTTPS)');

/** The backend serves its routes from the root of its origin, so a path here would point every link somewhere else. */
const httpsOrigin = httpsUrl
  .refine((value) => {
    const url = parseUrl(value);
    return !url || (url.pathname === '/' && url.search === '' && url.hash === '');
  }, 'must be an origin only, without a path, query or fragment (e.g. https://parley.example.eu)')
  .transform((value) => parseUrl(value)!);

const guid = z.string().regex(GUID, 'must be a GUID such as 00000000-0000-0000-0000-000000000000').transform((value) => value.toLowerCase());

const common = {
  baseUrl: httpsOrigin,
  version: z.string().regex(SEMVER, 'must be a semantic version such as 1.4.0'),
  publisher: z.string().trim().min(1, 'must not be empty').max(32, 'must be at most 32 characters (Teams shows it as the developer name)'),
  websiteUrl: httpsUrl.optional(),
};

const zendeskSchema = z.object({
  ...common,
  supportEmail: z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address'),
  termsUrl: httpsUrl.optional(),
});

const teamsSchema = z.object({
  ...common,
  privacyUrl: httpsUrl,
  termsUrl: httpsUrl,
  appId: guid,
  botId: guid,
  ssoClientId: guid,
});

/** What every package is built from, once checked. */
interface Deployment {
  /** Origin without a trailing slash, e.g. https://parley.example.eu */
  baseUrl: string;
  /** Host (and port, if any) of the base URL: what Teams' validDomains and Zendesk's domainWhitelist name. */
  host: string;
  version: string;
  publisher: string;
  websiteUrl: string;
}

export interface ZendeskDeployment extends Deployment {
  supportEmail: string;
  termsUrl?: string;
}

export interface TeamsDeployment extends Deployment {
  privacyUrl: string;
  termsUrl: string;
  appId: string;
  botId: string;
  ssoClientId: string;
}

/** A package cannot be built from what was given; the message names every flag and variable to fix. */
export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
}

/** Checks the raw values and says, for each one that is wrong, which flag or variable to set and why; values are never echoed. */
function check<S extends z.ZodObject>(target: string, schema: S, raw: RawSettings): z.output<S> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const lines = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = issue.path[0] as SettingName;
    const setting = settings[name];
    if (lines.has(name)) continue;
    lines.set(name, name in given ? `${setting.flag} (or ${setting.env}) ${issue.message}.` : `${setting.flag} (or ${setting.env}) is missing: ${setting.what}.`);
  }
  throw new DeploymentError(`Cannot build the ${target} package:\n${[...lines.values()].map((line) => `  ${line}`).join('\n')}`);
}

function deployment(values: { baseUrl: URL; version: string; publisher: string; websiteUrl?: string }): Deployment {
  const baseUrl = values.baseUrl.origin;
  return { baseUrl, host: values.baseUrl.host, version: values.version, publisher: values.publisher, websiteUrl: values.websiteUrl ?? baseUrl };
}

export function zendeskDeployment(raw: RawSettings): ZendeskDeployment {
  const values = check('Zendesk', zendeskSchema, raw);
  return { ...deployment(values), supportEmail: values.supportEmail, termsUrl: values.termsUrl };
}

export function teamsDeployment(raw: RawSettings): TeamsDeployment {
  const values = check('Teams', teamsSchema, raw);
  const { privacyUrl, termsUrl, appId, botId, ssoClientId } = values;
  return { ...deployment(values), privacyUrl, termsUrl, appId, botId, ssoClientId };
}

import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { TurnSettings } from './services/calls/ice-servers.js';
import { parseAuditSinkUrl, type AuditSinkSettings } from './adapters/audit-sink/sink.js';

const booleanFlag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((value) => value === '1' || value === 'true');

/** One external Janus node, as JSON in JANUS_NODES. */
const janusNodeSchema = z.object({
  id: z.string().min(1),
  wsUrl: z.url({ protocol: /^wss?$/ }),
  adminUrl: z.url({ protocol: /^https?$/ }),
  browserUrl: z.url({ protocol: /^https?$/ }),
  apiSecret: z.string().min(16),
  adminSecret: z.string().min(16),
  adminKey: z.string().min(16),
});
export type JanusNodeConfig = z.infer<typeof janusNodeSchema>;

/** One S3-compatible storage location, as JSON in STORAGE_LOCATIONS. */
const s3LocationSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  kind: z.literal('s3'),
  region: z.string().min(2),
  bucket: z.string().min(3),
  prefix: z.string().default(''),
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  forcePathStyle: z.boolean().default(false),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
});
export type S3LocationConfig = z.infer<typeof s3LocationSchema>;

/**
 * A JSON array in one variable. Errors name the field at fault but never quote the input: these
 * values carry secrets (API secrets, S3 keys), and JSON.parse messages may include a snippet.
 */
function jsonArrayOf<T extends z.ZodType>(schema: T, what: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): z.infer<T>[] | undefined => {
      if (raw === undefined || raw.trim() === '') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: `not valid JSON (expected an array of ${what})` });
        return z.NEVER;
      }
      const result = z.array(schema).min(1).safeParse(parsed);
      if (!result.success) {
        const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(array)'}: ${issue.message}`);
        ctx.addIssue({ code: 'custom', message: `not a JSON array of ${what} (${problems.slice(0, 3).join('; ')})` });
        return z.NEVER;
      }
      return result.data;
    });
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  PARLEY_DATA_DIR: z.string().min(1).default('.parley'),
  /** Absent: embedded PGlite under the data dir. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Connections to the PostgreSQL server; about twice its cores serves best (more only queue inside it). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Secret that signs Parley's own short-lived session tokens. Generated per data dir when absent. */
  SESSION_SECRET: z.string().min(32).optional(),
  PARLEY_DEMO: booleanFlag.default(false),
  /** managed: Parley starts its own Janus nodes; external: use JANUS_NODES. */
  JANUS_MODE: z.enum(['managed', 'external']).default('managed'),
  JANUS_MANAGED_NODES: z.coerce.number().int().min(1).max(8).default(1),
  /** Address the managed Janus binds its browser-facing HTTP transport to. */
  JANUS_BIND_ADDRESS: z.string().min(1).default('0.0.0.0'),
  /** Host name browsers use to reach a managed Janus; defaults to the host of PUBLIC_BASE_URL. */
  JANUS_PUBLIC_HOST: z.string().min(1).optional(),
  /** Interface Janus may gather ICE candidates on (Janus nat.ice_enforce_list). */
  JANUS_ICE_INTERFACE: z.string().min(1).optional(),
  /** Command prefix to launch Janus with, e.g. "ip netns exec parley-e2e". */
  JANUS_COMMAND_PREFIX: z.string().optional(),
  JANUS_NODES: jsonArrayOf(janusNodeSchema, 'Janus nodes'),
  /** How long an unused join link stays valid. */
  JOIN_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Absent: https://{subdomain}.zendesk.com of each tenant's installation. */
  ZENDESK_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  ZENDESK_API_EMAIL: z.email().optional(),
  ZENDESK_API_TOKEN: z.string().min(1).optional(),
  ZENDESK_OAUTH_TOKEN: z.string().min(1).optional(),
  ZENDESK_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  /** Parley's Zendesk app id: its key (fetched per account) signs the sidebar's signed-URL tokens. Absent: POST /zendesk/sidebar refuses. */
  ZENDESK_APP_ID: z.string().regex(/^[1-9][0-9]{0,19}$/, 'a Zendesk app id is a positive integer').optional(),
  /** Runs in-process fakes of Zendesk and Sunshine Conversations on loopback (the demo plays the vendor). */
  PARLEY_FAKE_VENDORS: booleanFlag.default(false),

  /** Zendesk messaging (Sunshine Conversations); absent app id = channel off. */
  SUNCO_APP_ID: z.string().regex(/^[\w-]{1,100}$/).optional(),
  SUNCO_KEY_ID: z.string().min(1).optional(),
  SUNCO_KEY_SECRET: z.string().min(16).optional(),
  SUNCO_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Absent: https://{subdomain}.zendesk.com/sc of each tenant. */
  SUNCO_API_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUNCO_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),

  /** Teams bot (Bot Framework). Absent app id: no /api/messages, except in demo mode where it runs without auth. */
  MICROSOFT_APP_ID: z.string().min(1).optional(),
  MICROSOFT_APP_PASSWORD: z.string().min(1).optional(),
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MICROSOFT_APP_TENANT_ID: z.string().min(1).optional(),
  BOT_CONNECTOR_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60_000).default(15_000),
  /** Where Bot Framework's signing keys are announced (OpenID metadata); absent: Microsoft's public cloud. */
  BOT_OPENID_METADATA_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** `iss` of Bot Framework tokens; absent: https://api.botframework.com. */
  BOT_TOKEN_ISSUER: z.string().min(1).max(200).optional(),
  /** OpenID metadata for Emulator/skill tokens; absent: Microsoft's public cloud. */
  BOT_EMULATOR_OPENID_METADATA_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Entra ID signing keys for Teams tab SSO tokens. */
  ENTRA_JWKS_URL: z.url({ protocol: /^https?$/ }).default('https://login.microsoftonline.com/common/discovery/v2.0/keys'),
  /** Accepted `aud` of Teams tab SSO tokens, comma-separated: the app's Application ID URI (api://…) and/or client id. Absent: Teams sign-in refuses. */
  TEAMS_SSO_AUDIENCE: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const audiences = (raw ?? '').split(',').map((a) => a.trim()).filter(Boolean);
      audiences.forEach((aud, n) => {
        if (!/^(api:\/\/\S+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(aud)) {
          ctx.addIssue({ code: 'custom', message: `entry ${n + 1} is neither an api:// URI nor a client id (GUID)` });
        }
      });
      return audiences;
    }),

  /** Region of the data dir's disk, as tenants' allowed regions name it. */
  LOCAL_STORAGE_REGION: z.string().min(2).default('eu'),
  /** Extra storage locations (S3-compatible); meeting types name one by `name`. "local" always exists. */
  STORAGE_LOCATIONS: jsonArrayOf(s3LocationSchema, 'storage locations'),
  /** Where tenant master keys live: a key file per tenant under the data dir, or HashiCorp Vault Transit. */
  KMS_PROVIDER: z.enum(['local', 'vault']).default('local'),
  VAULT_ADDR: z.url({ protocol: /^https?$/ }).optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  VAULT_NAMESPACE: z.string().min(1).optional(),
  VAULT_TRANSIT_MOUNT: z.string().regex(/^[\w-]+(\/[\w-]+)*$/).default('transit'),
  /** Vault Transit key name per tenant: prefix + tenant id. */
  VAULT_KEY_PREFIX: z.string().regex(/^[\w-]*$/).default('parley-tenant-'),
  /** Recording is refused below this much free disk in the data dir. */
  RECORDING_MIN_FREE_MB: z.coerce.number().int().min(0).default(1024),
  RECORDING_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** How long a recording job is exclusive without renewal; a worker renews it every third of this. */
  RECORDING_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  RECORDING_RETRY_BASE_MS: z.coerce.number().int().min(100).default(5_000),
  RECORDING_RETRY_MAX_MS: z.coerce.number().int().min(1_000).default(300_000),
  RECORDING_FAILED_KEEP_HOURS: z.coerce.number().int().min(0).max(720).default(72),
  /** ICE servers for browsers, comma-separated stun:/turn:/turns: URLs (e.g. a coturn in the EU). */
  TURN_URLS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const urls = (raw ?? '').split(',').map((url) => url.trim()).filter(Boolean);
      urls.forEach((url, n) => {
        // Named by position, not quoted: a URL may carry credentials.
        if (!/^(stun|turns?):[^\s]+$/.test(url)) ctx.addIssue({ code: 'custom', message: `entry ${n + 1} is not a stun:, turn: or turns: URL` });
      });
      return urls;
    }),
  /** coturn's static-auth-secret: Parley hands out time-limited TURN credentials derived from it. */
  TURN_SECRET: z.string().min(16).optional(),
  TURN_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(300).max(86_400).default(3600),
  /** A call nobody started within this time ends and its room is destroyed. */
  CALL_UNJOINED_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** A media node unreachable this long is treated as lost and its calls are ended. */
  MEDIA_LOSS_GRACE_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
  /** Lifetime of a playback link; at most five minutes. */
  PLAYBACK_TTL_SECONDS: z.coerce.number().int().min(10).max(300).default(300),

  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  OUTBOX_LEASE_MS: z.coerce.number().int().min(5_000).max(3_600_000).default(60_000),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  OUTBOX_BASE_DELAY_MS: z.coerce.number().int().min(100).default(5_000),
  OUTBOX_MAX_DELAY_MS: z.coerce.number().int().min(1_000).default(900_000),

  /** Off-host copy of every audit event: http(s)://… (POST JSON), syslog+udp://host:port or syslog+tcp://host:port (RFC 5424). Absent: off. */
  AUDIT_SINK_URL: z.string().optional(),
  /** Bearer token for an http(s) audit sink. */
  AUDIT_SINK_TOKEN: z.string().min(16).optional(),
  AUDIT_SINK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),

  /** How long an access request's encrypted export bundle and its download link stay valid before the bundle is deleted. */
  DSAR_EXPORT_TTL_HOURS: z.coerce.number().int().min(1).max(30 * 24).default(7 * 24),
  /** How often each instance looks for data-subject requests to work. */
  DSAR_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** How long a data-subject request is exclusive to one worker without renewal; renewed every third of this. */
  DSAR_LEASE_MS: z.coerce.number().int().min(5_000).max(3_600_000).default(300_000),
  /** Chromium that prints the records of processing and the DPIA summary to PDF. Not checked at start: only PDFs need it. */
  CHROMIUM_PATH: z.string().refine((path) => isAbsolute(path), 'must be an absolute path').default('/usr/bin/chromium'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  publicBaseUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  sessionSecret: string | undefined;
  demo: boolean;
  janus:
    | { mode: 'managed'; nodes: number; bindAddress: string; publicHost: string | undefined; iceInterface: string | undefined; commandPrefix: string[] }
    | { mode: 'external'; nodes: JanusNodeConfig[] };
  joinTokenTtlSeconds: number;
  mediaLossGraceMs: number;
  callUnjoinedTtlSeconds: number;
  turn: TurnSettings | undefined;
  logLevel: Env['LOG_LEVEL'];
  fakeVendors: boolean;
  zendesk: { apiBaseUrl: string | undefined; auth: { email: string; apiToken: string } | { oauthToken: string } | undefined; timeoutMs: number };
  /** Sign-in from the hosts: Zendesk signed URLs (needs the app id and API credentials) and Teams tab SSO. */
  identity: { zendeskAppId: string | undefined; teams: { jwksUrl: string; audiences: string[] } | undefined };
  sunco:
    | { appId: string; keyId: string; keySecret: string; webhookSecret: string; apiBaseUrl: string | undefined; timeoutMs: number }
    | undefined;
  teams:
    | {
        appId: string | undefined;
        appPassword: string | undefined;
        appType: Env['MICROSOFT_APP_TYPE'];
        appTenantId: string | undefined;
        connectorTimeoutMs: number;
        openIdMetadataUrl: string | undefined;
        tokenIssuer: string | undefined;
        emulatorOpenIdMetadataUrl: string | undefined;
      }
    | undefined;
  outbox: { pollIntervalMs: number; batchSize: number; leaseMs: number; maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  storage: { localRegion: string; s3: S3LocationConfig[] };
  kms: { provider: 'local' } | { provider: 'vault'; address: string; token: string; namespace: string | undefined; mount: string; keyPrefix: string };
  recordings: {
    minFreeBytes: number;
    pollIntervalMs: number;
    leaseMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    playbackTtlSeconds: number;
    /** How long the raw media of a recording the pipeline gave up on is kept for an operator. */
    failedKeepMs: number;
  };
  /** Absent: audit events stay in the database only. */
  auditSink: AuditSinkSettings | undefined;
  /** Lifetime of a DSAR export bundle and its download link. */
  dsarExportTtlSeconds: number;
  /** The data-subject request worker. */
  dsar: { pollIntervalMs: number; leaseMs: number };
  /** Chromium binary for PDF printing. */
  chromiumPath: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value stops the process with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = result.data;
  const refuse = (name: string, why: string) => {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${why}`);
  };
  if (e.JANUS_MODE === 'external' && !e.JANUS_NODES) refuse('JANUS_NODES', 'required when JANUS_MODE=external');
  if (!!e.ZENDESK_API_EMAIL !== !!e.ZENDESK_API_TOKEN) refuse(e.ZENDESK_API_EMAIL ? 'ZENDESK_API_TOKEN' : 'ZENDESK_API_EMAIL', 'set the email and the API token together');
  if (e.ZENDESK_API_TOKEN && e.ZENDESK_OAUTH_TOKEN) refuse('ZENDESK_OAUTH_TOKEN', 'use either an API token or an OAuth token, not both');
  if (e.OUTBOX_LEASE_MS < 3 * e.ZENDESK_TIMEOUT_MS) refuse('OUTBOX_LEASE_MS', 'must be at least 3 × ZENDESK_TIMEOUT_MS');
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'UserAssignedMSI' && !e.MICROSOFT_APP_PASSWORD) refuse('MICROSOFT_APP_PASSWORD', 'required with MICROSOFT_APP_ID');
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE !== 'MultiTenant' && !e.MICROSOFT_APP_TENANT_ID) refuse('MICROSOFT_APP_TENANT_ID', `required for ${e.MICROSOFT_APP_TYPE}`);
  if (!e.MICROSOFT_APP_ID && (e.MICROSOFT_APP_PASSWORD || e.MICROSOFT_APP_TENANT_ID)) refuse('MICROSOFT_APP_ID', 'required with MICROSOFT_APP_PASSWORD or MICROSOFT_APP_TENANT_ID');
  if (e.ZENDESK_APP_ID && !e.ZENDESK_API_TOKEN && !e.ZENDESK_OAUTH_TOKEN && !e.PARLEY_FAKE_VENDORS) refuse('ZENDESK_APP_ID', 'Zendesk sign-in reads users from the API: set ZENDESK_API_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN');
  if (e.OUTBOX_LEASE_MS < 2 * e.BOT_CONNECTOR_TIMEOUT_MS) refuse('OUTBOX_LEASE_MS', 'must be at least 2 × BOT_CONNECTOR_TIMEOUT_MS');
  if (e.TURN_URLS.some((url) => url.startsWith('turn')) && !e.TURN_SECRET) refuse('TURN_SECRET', 'required when TURN_URLS lists a turn: or turns: server');
  if (e.KMS_PROVIDER === 'vault' && !e.VAULT_ADDR) refuse('VAULT_ADDR', 'required when KMS_PROVIDER=vault');
  if (e.KMS_PROVIDER === 'vault' && !e.VAULT_TOKEN) refuse('VAULT_TOKEN', 'required when KMS_PROVIDER=vault');
  const locationNames = (e.STORAGE_LOCATIONS ?? []).map((l) => l.name);
  if (locationNames.includes('local') || new Set(locationNames).size !== locationNames.length) refuse('STORAGE_LOCATIONS', 'names must be unique and not "local"');
  // The URL is named, never quoted: it may carry credentials.
  const auditSinkTarget = e.AUDIT_SINK_URL?.trim() ? parseAuditSinkUrl(e.AUDIT_SINK_URL.trim()) : undefined;
  if (auditSinkTarget && 'invalid' in auditSinkTarget) refuse('AUDIT_SINK_URL', auditSinkTarget.invalid);
  if (e.AUDIT_SINK_TOKEN && auditSinkTarget && !('invalid' in auditSinkTarget) && auditSinkTarget.kind !== 'http') refuse('AUDIT_SINK_TOKEN', 'only an http(s) AUDIT_SINK_URL takes a token');
  if (e.SUNCO_APP_ID) {
    for (const name of ['SUNCO_KEY_ID', 'SUNCO_KEY_SECRET', 'SUNCO_WEBHOOK_SECRET'] as const) if (!e[name]) refuse(name, 'required when SUNCO_APP_ID is set');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/$/, ''),
    dataDir: resolve(e.PARLEY_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    sessionSecret: e.SESSION_SECRET,
    demo: e.PARLEY_DEMO,
    janus:
      e.JANUS_MODE === 'external'
        ? { mode: 'external', nodes: e.JANUS_NODES ?? [] }
        : {
            mode: 'managed',
            nodes: e.JANUS_MANAGED_NODES,
            bindAddress: e.JANUS_BIND_ADDRESS,
            publicHost: e.JANUS_PUBLIC_HOST,
            iceInterface: e.JANUS_ICE_INTERFACE,
            commandPrefix: e.JANUS_COMMAND_PREFIX?.split(/\s+/).filter(Boolean) ?? [],
          },
    joinTokenTtlSeconds: e.JOIN_TOKEN_TTL_SECONDS,
    mediaLossGraceMs: e.MEDIA_LOSS_GRACE_MS,
    callUnjoinedTtlSeconds: e.CALL_UNJOINED_TTL_SECONDS,
    turn: e.TURN_URLS.length > 0 ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSeconds: e.TURN_CREDENTIAL_TTL_SECONDS } : undefined,
    logLevel: e.LOG_LEVEL,
    fakeVendors: e.PARLEY_FAKE_VENDORS,
    zendesk: {
      apiBaseUrl: e.ZENDESK_API_BASE_URL,
      auth: e.ZENDESK_API_EMAIL && e.ZENDESK_API_TOKEN
        ? { email: e.ZENDESK_API_EMAIL, apiToken: e.ZENDESK_API_TOKEN }
        : e.ZENDESK_OAUTH_TOKEN
          ? { oauthToken: e.ZENDESK_OAUTH_TOKEN }
          : undefined,
      timeoutMs: e.ZENDESK_TIMEOUT_MS,
    },
    identity: {
      zendeskAppId: e.ZENDESK_APP_ID,
      teams: e.TEAMS_SSO_AUDIENCE.length > 0 ? { jwksUrl: e.ENTRA_JWKS_URL, audiences: e.TEAMS_SSO_AUDIENCE } : undefined,
    },
    sunco: e.SUNCO_APP_ID
      ? {
          appId: e.SUNCO_APP_ID,
          keyId: e.SUNCO_KEY_ID!,
          keySecret: e.SUNCO_KEY_SECRET!,
          webhookSecret: e.SUNCO_WEBHOOK_SECRET!,
          apiBaseUrl: e.SUNCO_API_BASE_URL,
          timeoutMs: e.SUNCO_TIMEOUT_MS,
        }
      : undefined,
    // Without an app id the bot cannot verify who calls it: only the demo runs it that way.
    teams:
      e.MICROSOFT_APP_ID || e.PARLEY_DEMO
        ? {
            appId: e.MICROSOFT_APP_ID,
            appPassword: e.MICROSOFT_APP_PASSWORD,
            appType: e.MICROSOFT_APP_TYPE,
            appTenantId: e.MICROSOFT_APP_TENANT_ID,
            connectorTimeoutMs: e.BOT_CONNECTOR_TIMEOUT_MS,
            openIdMetadataUrl: e.BOT_OPENID_METADATA_URL,
            tokenIssuer: e.BOT_TOKEN_ISSUER,
            emulatorOpenIdMetadataUrl: e.BOT_EMULATOR_OPENID_METADATA_URL,
          }
        : undefined,
    outbox: {
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      leaseMs: e.OUTBOX_LEASE_MS,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      baseDelayMs: e.OUTBOX_BASE_DELAY_MS,
      maxDelayMs: e.OUTBOX_MAX_DELAY_MS,
    },
    storage: { localRegion: e.LOCAL_STORAGE_REGION, s3: e.STORAGE_LOCATIONS ?? [] },
    kms:
      e.KMS_PROVIDER === 'vault'
        ? { provider: 'vault', address: e.VAULT_ADDR!, token: e.VAULT_TOKEN!, namespace: e.VAULT_NAMESPACE, mount: e.VAULT_TRANSIT_MOUNT, keyPrefix: e.VAULT_KEY_PREFIX }
        : { provider: 'local' },
    recordings: {
      minFreeBytes: e.RECORDING_MIN_FREE_MB * 2 ** 20,
      pollIntervalMs: e.RECORDING_POLL_INTERVAL_MS,
      leaseMs: e.RECORDING_LEASE_MS,
      retryBaseMs: e.RECORDING_RETRY_BASE_MS,
      retryMaxMs: e.RECORDING_RETRY_MAX_MS,
      playbackTtlSeconds: e.PLAYBACK_TTL_SECONDS,
      failedKeepMs: e.RECORDING_FAILED_KEEP_HOURS * 3_600_000,
    },
    auditSink:
      auditSinkTarget && !('invalid' in auditSinkTarget)
        ? { target: auditSinkTarget, token: e.AUDIT_SINK_TOKEN, timeoutMs: e.AUDIT_SINK_TIMEOUT_MS }
        : undefined,
    dsarExportTtlSeconds: e.DSAR_EXPORT_TTL_HOURS * 3600,
    dsar: { pollIntervalMs: e.DSAR_POLL_INTERVAL_MS, leaseMs: e.DSAR_LEASE_MS },
    chromiumPath: e.CHROMIUM_PATH,
  };
}

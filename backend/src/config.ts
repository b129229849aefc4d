import { resolve } from 'node:path';
import { z } from 'zod';

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

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  PARLEY_DATA_DIR: z.string().min(1).default('.parley'),
  /** Absent: embedded PGlite under the data dir. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
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
  JANUS_NODES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      try {
        return z.array(janusNodeSchema).min(1).parse(JSON.parse(raw));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a JSON array of Janus nodes (${(error as Error).message.split('\n')[0]})` });
        return z.NEVER;
      }
    }),
  /** How long an unused join link stays valid. */
  JOIN_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  publicBaseUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string | undefined;
  demo: boolean;
  janus:
    | { mode: 'managed'; nodes: number; bindAddress: string; publicHost: string | undefined; iceInterface: string | undefined; commandPrefix: string[] }
    | { mode: 'external'; nodes: JanusNodeConfig[] };
  joinTokenTtlSeconds: number;
  logLevel: Env['LOG_LEVEL'];
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
  if (e.JANUS_MODE === 'external' && !e.JANUS_NODES) {
    throw new ConfigError('Invalid configuration:\n  JANUS_NODES: required when JANUS_MODE=external');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/$/, ''),
    dataDir: resolve(e.PARLEY_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
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
    logLevel: e.LOG_LEVEL,
  };
}

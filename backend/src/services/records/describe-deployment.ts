import type { Config } from '../../config.js';

/** A storage location as the record names it: where the bytes are, never how to reach them. */
export interface StorageLocationFact {
  name: string;
  kind: 'local' | 's3';
  region: string;
  bucket: string | null;
  /** Host of an S3-compatible endpoint; null for AWS itself (and for the local disk). */
  endpointHost: string | null;
}

/**
 * What the installation's configuration says about who processes the data, where, and with which
 * safeguards: the part of the record that does not live in the database. Host names only, never
 * URLs with credentials, tokens or secrets: this ends up in a printed document and in its hash.
 */
export interface DeploymentFacts {
  media:
    | { mode: 'managed'; nodes: number; publicHost: string | null }
    | { mode: 'external'; nodes: { id: string; browserHost: string; controlHost: string }[] };
  /** STUN/TURN servers browsers are given; empty: none. */
  turnHosts: string[];
  storage: StorageLocationFact[];
  kms: { provider: 'local' } | { provider: 'vault'; host: string; mount: string };
  auditSink: { kind: 'http'; host: string } | { kind: 'syslog'; transport: 'udp' | 'tcp'; host: string } | null;
  hosts: {
    /** Null: each account's own https://{subdomain}.zendesk.com. */
    zendeskApiHost: string | null;
    zendeskSignIn: boolean;
    sunshineConversations: boolean;
    teamsBot: boolean;
    teamsSignIn: boolean;
  };
  /** Null when PUBLIC_BASE_URL is unset (links then use the listen address, plain HTTP). */
  publicUrlHttps: boolean | null;
  joinLinkTtlSeconds: number;
  playbackTtlSeconds: number;
  dsarExportTtlHours: number;
  /** Demo sign-in and in-process vendor fakes: never a production set-up, and the record says so. */
  demo: boolean;
  simulatedVendors: boolean;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.replace(/^[a-z+]+:(\/\/)?/i, '').replace(/[/?#].*$/, '').replace(/^.*@/, '');
  }
}

/** Reads the deployment's part of the record from the parsed config, once at start. */
export function describeDeployment(config: Config): DeploymentFacts {
  const { janus, storage, kms, auditSink } = config;
  const publicHost = janus.mode === 'managed' ? (janus.publicHost ?? (config.publicBaseUrl ? new URL(config.publicBaseUrl).hostname : null)) : null;
  return {
    media:
      janus.mode === 'managed'
        ? { mode: 'managed', nodes: janus.nodes, publicHost }
        : { mode: 'external', nodes: janus.nodes.map((node) => ({ id: node.id, browserHost: hostOf(node.browserUrl), controlHost: hostOf(node.wsUrl) })) },
    // stun:host:port and turn:host:port?transport=… have no "//", so URL() gives no host: cut by hand.
    turnHosts: [...new Set((config.turn?.urls ?? []).map((url) => url.replace(/^(stun|turns?):/, '').replace(/\?.*$/, '')))].sort(),
    storage: [
      { name: 'local', kind: 'local' as const, region: storage.localRegion, bucket: null, endpointHost: null },
      ...storage.s3.map((s3) => ({ name: s3.name, kind: 's3' as const, region: s3.region, bucket: s3.bucket, endpointHost: s3.endpoint ? hostOf(s3.endpoint) : null })),
    ],
    kms: kms.provider === 'vault' ? { provider: 'vault', host: hostOf(kms.address), mount: kms.mount } : { provider: 'local' },
    auditSink: !auditSink
      ? null
      : auditSink.target.kind === 'http'
        ? { kind: 'http', host: hostOf(auditSink.target.url) }
        : { kind: 'syslog', transport: auditSink.target.transport, host: `${auditSink.target.host}:${auditSink.target.port}` },
    hosts: {
      zendeskApiHost: config.zendesk.apiBaseUrl ? hostOf(config.zendesk.apiBaseUrl) : null,
      zendeskSignIn: config.identity.zendeskAppId !== undefined,
      sunshineConversations: config.sunco !== undefined,
      teamsBot: config.teams !== undefined,
      teamsSignIn: config.identity.teams !== undefined,
    },
    publicUrlHttps: config.publicBaseUrl ? config.publicBaseUrl.startsWith('https:') : null,
    joinLinkTtlSeconds: config.joinTokenTtlSeconds,
    playbackTtlSeconds: config.recordings.playbackTtlSeconds,
    dsarExportTtlHours: Math.round(config.dsarExportTtlSeconds / 3600),
    demo: config.demo,
    simulatedVendors: config.fakeVendors,
  };
}

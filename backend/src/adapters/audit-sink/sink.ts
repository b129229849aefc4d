import type { OutboxDeliverer } from '../../ports/outbox-delivery.js';
import { HttpAuditSink } from './http.js';
import { SyslogAuditSink } from './syslog.js';

/** Where audit events are copied to, parsed from AUDIT_SINK_URL. */
export type AuditSinkTarget =
  | { kind: 'http'; url: string }
  | { kind: 'syslog'; transport: 'udp' | 'tcp'; host: string; port: number };

export interface AuditSinkSettings {
  target: AuditSinkTarget;
  /** Bearer token for an HTTP sink. */
  token?: string;
  timeoutMs: number;
}

/** http(s)://…, syslog+udp://host:port or syslog+tcp://host:port; undefined with the reason otherwise. */
export function parseAuditSinkUrl(raw: string): AuditSinkTarget | { invalid: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { invalid: 'is not a URL' };
  }
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      return { kind: 'http', url: url.toString() };
    case 'syslog+udp:':
    case 'syslog+tcp:': {
      const port = Number(url.port);
      if (!url.hostname || !Number.isInteger(port) || port < 1) return { invalid: 'syslog needs a host and a port, e.g. syslog+tcp://collector:6514' };
      return { kind: 'syslog', transport: url.protocol === 'syslog+udp:' ? 'udp' : 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port };
    }
    default:
      return { invalid: 'must be http://, https://, syslog+udp:// or syslog+tcp://' };
  }
}

export type AuditSink = OutboxDeliverer<'audit.event'> & { close?(): void };

export function createAuditSink(settings: AuditSinkSettings): AuditSink {
  const { target } = settings;
  switch (target.kind) {
    case 'http':
      return new HttpAuditSink({ url: target.url, token: settings.token, timeoutMs: settings.timeoutMs });
    case 'syslog':
      return new SyslogAuditSink({ transport: target.transport, host: target.host, port: target.port, timeoutMs: settings.timeoutMs });
    default: {
      const unknown: never = target;
      throw new Error(`unknown audit sink ${JSON.stringify(unknown)}`);
    }
  }
}

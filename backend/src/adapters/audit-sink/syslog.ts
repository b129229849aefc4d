import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect, type Socket } from 'node:net';
import type { AuditForwardPayload, DeliveryResult, OutboxDeliverer, OutboxEnvelope } from '../../ports/outbox-delivery.js';

export interface SyslogAuditSinkOptions {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  timeoutMs: number;
  /** HOSTNAME field; defaults to this machine's name. */
  hostname?: string;
}

/** facility 13 (log audit) × 8 + severity 6 (informational). */
const PRI = 13 * 8 + 6;
/** RFC 5612's enterprise number for documentation: our structured data id is parley@32473. */
const SD_ID = 'parley@32473';

/** PRINTUSASCII without space, at most `max` characters; "-" when empty (RFC 5424 NILVALUE). */
function header(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** PARAM-VALUE escaping: `"`, `\` and `]` get a backslash. */
const param = (value: string) => value.replace(/["\\\]]/g, (c) => `\\${c}`);

/**
 * One event as an RFC 5424 message: MSGID is the action, structured data carries the chain
 * position, MSG is the event as JSON (UTF-8, so it starts with a BOM as the RFC requires).
 */
export function formatRfc5424(event: AuditForwardPayload, host: string): string {
  const sd = `[${SD_ID} tenant="${param(event.tenantId)}" seq="${event.seq}" id="${event.id}" hash="${param(event.hash)}"]`;
  return `<${PRI}>1 ${event.at} ${header(host, 255)} parley - ${header(event.action, 32)} ${sd} \uFEFF${JSON.stringify(event)}`;
}

/**
 * Sends each audit event to a syslog collector. TCP frames with octet counting (RFC 6587) and
 * counts a message delivered once the kernel took it; a broken connection fails the delivery and
 * the outbox tries again over a new one. UDP (RFC 5426) has no acknowledgement: a collector that
 * is down loses what is sent meanwhile, so prefer TCP or HTTP where every event must arrive.
 */
export class SyslogAuditSink implements OutboxDeliverer<'audit.event'> {
  private readonly host: string;
  /** The open (or opening) connection, shared by concurrent deliveries. */
  private tcp: Promise<Socket> | undefined;
  private udp: UdpSocket | undefined;

  constructor(private readonly options: SyslogAuditSinkOptions) {
    this.host = options.hostname ?? hostname();
  }

  async deliver(message: OutboxEnvelope<'audit.event'>): Promise<DeliveryResult> {
    const line = Buffer.from(formatRfc5424(message.payload, this.host), 'utf8');
    try {
      if (this.options.transport === 'udp') await this.sendUdp(line);
      else await this.sendTcp(Buffer.concat([Buffer.from(`${line.length} `), line]));
      return { outcome: 'delivered' };
    } catch (error) {
      return { outcome: 'retry', error: `syslog ${this.options.transport} ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}` };
    }
  }

  private sendUdp(datagram: Buffer): Promise<void> {
    this.udp ??= createSocket(this.options.host.includes(':') ? 'udp6' : 'udp4').on('error', () => this.dropUdp());
    const socket = this.udp;
    return new Promise((resolve, reject) => socket.send(datagram, this.options.port, this.options.host, (error) => (error ? reject(error) : resolve())));
  }

  private dropUdp(): void {
    this.udp?.close();
    this.udp = undefined;
  }

  private connection(): Promise<Socket> {
    this.tcp ??= this.open().catch((error: unknown) => {
      this.tcp = undefined;
      throw error;
    });
    return this.tcp;
  }

  private async open(): Promise<Socket> {
    const socket = connect({ host: this.options.host, port: this.options.port });
    socket.setTimeout(this.options.timeoutMs);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      socket.once('timeout', () => reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
    });
    socket.removeAllListeners('error').removeAllListeners('timeout');
    // A collector that closes or fails the connection: the next delivery opens a new one.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.tcp = undefined;
    });
    socket.on('data', () => undefined);
    socket.setTimeout(0);
    return socket;
  }

  private async sendTcp(frame: Buffer): Promise<void> {
    const socket = await this.connection();
    await new Promise<void>((resolve, reject) => {
      socket.write(frame, (error) => {
        if (!error) return resolve();
        socket.destroy();
        reject(error);
      });
    });
  }

  close(): void {
    void this.tcp?.then((socket) => socket.destroy(), () => undefined);
    this.dropUdp();
  }
}

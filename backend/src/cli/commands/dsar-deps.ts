import pino from 'pino';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { createLogger } from '../../logger.js';
import { TeamsMessageReplacement } from '../../adapters/teams/message-replacement.js';
import { ZendeskNoteRedaction } from '../../adapters/zendesk/note-redaction.js';
import { openRecordingStores } from '../../recording-stores.js';
import { zendeskAccountUrl } from '../../services/outbox/zendesk-account-url.js';
import type { AccessRequestDeps } from '../../services/dsar/export/run-access-request.js';
import type { DsarWorkerDeps } from '../../services/dsar/run-request.js';
import { newLeaseOwner } from '../../services/recordings/claim.js';
import { teamsChats } from '../../vendors.js';

/** What the request worker gets in the server, from the same configuration; logs go to stderr. */
export function dsarWorkerDeps(config: Config, database: Database): DsarWorkerDeps & AccessRequestDeps {
  const { masterKeys, stores } = openRecordingStores(config);
  const chats = teamsChats(config, database.db);
  return {
    db: database.db,
    logger: createLogger(config.logLevel, pino.destination(2)),
    masterKeys,
    stores,
    publicBaseUrl: config.publicBaseUrl ?? `http://${config.host}:${config.port}`,
    dataDir: config.dataDir,
    exportTtlSeconds: config.dsarExportTtlSeconds,
    // As the server does: with Zendesk API access, erasure redacts Parley's notes on the subject's tickets.
    ticketNotes: config.zendesk.auth
      ? new ZendeskNoteRedaction({ auth: config.zendesk.auth, timeoutMs: config.zendesk.timeoutMs, baseUrlFor: zendeskAccountUrl(database.db, { override: config.zendesk.apiBaseUrl }) })
      : undefined,
    // And with a Teams bot, it replaces the bot's messages in the subject's chats.
    chatMessages: chats ? new TeamsMessageReplacement(chats) : undefined,
    lease: { owner: newLeaseOwner(), ms: config.dsar.leaseMs },
    retry: { baseDelayMs: 60_000, maxDelayMs: 3_600_000 },
  };
}

/** A bar on a terminal, plain lines otherwise (logs, CI). */
export async function progressReporter(label: string): Promise<{ update(done: number, total: number): void; stop(): void }> {
  if (process.stdout.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stdout, hideCursor: true }, Presets.shades_classic);
    let started = false;
    return {
      update(done, total) {
        if (!started) bar.start(total, done);
        else bar.setTotal(total);
        started = true;
        bar.update(done);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    update: (done, total) => process.stdout.write(`${label}: ${done}/${total}\n`),
    stop: () => undefined,
  };
}

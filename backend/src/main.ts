import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startParley } from './server.js';
import { createAuditSink } from './adapters/audit-sink/sink.js';
import { createAuditForwarder } from './services/audit/forwarder.js';
import { setAuditForwarding } from './services/audit/forwarding.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const logger = createLogger(config.logLevel);
try {
  // Before the first event is written: from now on every audit event is queued for the sink too.
  setAuditForwarding(config.auditSink !== undefined);
  const parley = await startParley(config, { logger });
  const auditSink = config.auditSink ? createAuditSink(config.auditSink) : undefined;
  const auditForwarder = auditSink
    ? createAuditForwarder({ db: parley.database.db, sink: auditSink, logger: logger.child({ component: 'audit-sink' }), settings: config.outbox })
    : undefined;
  auditForwarder?.start();
  if (config.demo) logger.info(`demo: open ${parley.publicBaseUrl}/demo`);
  if (!config.demo && !config.identity.zendeskAppId) logger.warn('ZENDESK_APP_ID is not set: POST /zendesk/sidebar signs nobody in');
  if (!config.demo && !config.identity.teams) logger.warn('TEAMS_SSO_AUDIENCE is not set: POST /api/teams/session signs nobody in');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await auditForwarder?.stop();
    auditSink?.close?.();
    await parley.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  logger.fatal({ err: error }, 'parley could not start');
  console.error((error as Error).message);
  process.exit(1);
}

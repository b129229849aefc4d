import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startParley } from './server.js';

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
  const parley = await startParley(config, { logger });
  if (config.demo) logger.info(`demo: open ${parley.publicBaseUrl}/demo`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
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

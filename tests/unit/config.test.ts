import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../backend/src/config.js';

describe('configuration', () => {
  it('starts with safe defaults: embedded database, managed Janus, no demo', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, databasePoolSize: 10, demo: false, janus: { mode: 'managed', nodes: 1 } });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://db/parley' }, 'DATABASE_URL'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ PARLEY_DEMO: 'yes' }, 'PARLEY_DEMO'],
    [{ JANUS_MODE: 'external' }, 'JANUS_NODES'],
    [{ JANUS_MODE: 'external', JANUS_NODES: '[{"id":"a"}]' }, 'JANUS_NODES'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE'],
  ])('refuses %o and names %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration:\\n\\s+${name}:`, 'm'));
  });

  it('never echoes the rejected value, which may be a secret', () => {
    const secret = 'postgres://parley:hunter2@db';
    let message = '';
    try {
      loadConfig({ DATABASE_URL: `${secret} and more` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL:/);
    expect(message).not.toContain('hunter2');
  });

  it('takes external Janus nodes as JSON', () => {
    const node = {
      id: 'eu-1',
      wsUrl: 'ws://10.0.0.5:8188',
      adminUrl: 'http://10.0.0.5:7088/admin',
      browserUrl: 'https://media.example.eu/janus',
      apiSecret: 'a'.repeat(24),
      adminSecret: 'b'.repeat(24),
      adminKey: 'c'.repeat(24),
    };
    const config = loadConfig({ JANUS_MODE: 'external', JANUS_NODES: JSON.stringify([node]) });
    expect(config.janus).toEqual({ mode: 'external', nodes: [node] });
  });

  it('names a broken JSON variable without quoting it: these values carry secrets', () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    for (const raw of [`[{"name":"eu","kind":"s3","secretAccessKey":"${secret}" oops}]`, `[{"name":"eu","kind":"s3","region":"eu","bucket":"b","secretAccessKey":"${secret}","endpoint":"nope"}]`]) {
      let message = '';
      try {
        loadConfig({ STORAGE_LOCATIONS: raw });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/STORAGE_LOCATIONS: not/);
      expect(message).not.toContain(secret);
    }
  });
});

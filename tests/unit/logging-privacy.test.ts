import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { describe, expect, it } from 'vitest';
import { createLogger, pathForLog } from '../../backend/src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('logs carry no personal data or secrets', () => {
  it('redacts names, emails, tokens and media secrets wherever they appear', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        customer: { email: 'alex@example.com', displayName: 'Alex Customer' },
        token: 'eyJhbGciOi.secret',
        media: { pin: '123456', janusToken: 'jt-secret', secret: 'room-secret' },
        headers: { authorization: 'Bearer abc.def.ghi' },
      },
      'escalated',
    );
    const line = lines.join('');
    for (const leaked of ['alex@example.com', 'Alex Customer', 'eyJhbGciOi', '123456', 'jt-secret', 'room-secret', 'abc.def.ghi']) {
      expect(line).not.toContain(leaked);
    }
    expect(line).toContain('[redacted]');
  });

  it('logs a failed statement with its code and text, never the values it carried', async () => {
    const client = new PGlite();
    const db = drizzle(client);
    try {
      await db.execute(sql`CREATE TABLE people (email text UNIQUE)`);
      await db.execute(sql`INSERT INTO people VALUES (${'alex@example.com'})`);
      const failure = await db.execute(sql`INSERT INTO people VALUES (${'alex@example.com'})`).then(
        () => null,
        (error: unknown) => error,
      );
      // Unlogged, the error names the person twice: drizzle's params and PostgreSQL's detail.
      expect(JSON.stringify({ message: (failure as Error).message, cause: (failure as Error).cause })).toContain('alex@example.com');

      const { logger, lines } = capture();
      logger.error({ err: failure }, 'statement failed');
      const line = lines.join('');
      expect(line).not.toContain('alex@example.com');
      expect(line).toContain('23505');
      expect(line).toContain('INSERT INTO people VALUES ($1)');
    } finally {
      await client.close();
    }
  });

  it('logs join and consent paths without their bearer tokens', () => {
    expect(pathForLog('/j/Zx9_secret-token')).toBe('/j/:token');
    expect(pathForLog('/api/join/Zx9_secret-token')).toBe('/api/join/:token');
    expect(pathForLog('/media/eyJh.eyJz.c2ln')).toBe('/media/:token');
    expect(pathForLog('/media/eyJh.eyJz.c2ln/about')).toBe('/media/:token/about');
    expect(pathForLog('/api/calls/5f0c')).toBe('/api/calls/5f0c');
    expect(pathForLog('/offboarding/bundles/8s7Zq1cJwzJv3oI6d0Qm2vXQxgkH5iL9JtB0a1c2d3e')).toBe('/offboarding/bundles/:token');
    // Any other segment that looks like a token is masked too; ids and route words are kept.
    expect(pathForLog('/api/some-new-route/8s7Zq1cJwzJv3oI6d0Qm2vXQ/x')).toBe('/api/some-new-route/:token/x');
    expect(pathForLog('/api/calls/5f0c2d1e-8a9b-4c3d-9e8f-0a1b2c3d4e5f/participants')).toBe('/api/calls/5f0c2d1e-8a9b-4c3d-9e8f-0a1b2c3d4e5f/participants');
    expect(pathForLog('/api/admin/records-of-processing')).toBe('/api/admin/records-of-processing');
    expect(pathForLog('/api/cases/zendesk/1234567/live-calls')).toBe('/api/cases/zendesk/1234567/live-calls');
  });
});

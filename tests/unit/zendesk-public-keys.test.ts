import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ZendeskKeyUnavailable, ZendeskPublicKeys } from '../../backend/src/services/identity/zendesk-public-keys.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey;

/** Key fetches against a scripted Zendesk, on a clock the test moves. */
function keys(answer: (subdomain: string) => Promise<string | undefined>) {
  let clock = 1_000_000;
  const asked: string[] = [];
  const publicKeys = new ZendeskPublicKeys({
    fetchPem: (subdomain) => {
      asked.push(subdomain);
      return answer(subdomain);
    },
    refetchIntervalMs: 60_000,
    unreachableRetryMs: 5_000,
    now: () => clock,
  });
  const tryKey = (subdomain: string) =>
    publicKeys.verify(subdomain, async () => 'verified').catch((error: unknown) => (error instanceof ZendeskKeyUnavailable ? error.reason : error));
  return { tryKey, asked, advance: (ms: number) => (clock += ms) };
}

describe('Zendesk app keys: forged sign-ins cannot make Parley flood Zendesk', () => {
  it('asks an account without the app once a minute, however many tokens name it', async () => {
    const { tryKey, asked, advance } = keys(async () => undefined);
    for (let i = 0; i < 50; i++) expect(await tryKey('nowhere')).toBe('not_installed');
    expect(asked).toEqual(['nowhere']);
    advance(59_000);
    expect(await tryKey('nowhere')).toBe('not_installed');
    expect(asked).toHaveLength(1);
    advance(1_000);
    expect(await tryKey('nowhere')).toBe('not_installed');
    expect(asked).toHaveLength(2);
  });

  it('signs in once the app is installed, at the next ask after the wait', async () => {
    let installed = false;
    const { tryKey, advance } = keys(async () => (installed ? pem : undefined));
    expect(await tryKey('newcomer')).toBe('not_installed');
    installed = true;
    expect(await tryKey('newcomer')).toBe('not_installed');
    advance(60_000);
    expect(await tryKey('newcomer')).toBe('verified');
  });

  it('asks an account whose API did not answer again after a few seconds', async () => {
    let up = false;
    const { tryKey, asked, advance } = keys(async () => {
      if (!up) throw new Error('connect ECONNREFUSED');
      return pem;
    });
    expect(await tryKey('flaky')).toBe('unreachable');
    expect(await tryKey('flaky')).toBe('unreachable');
    expect(asked).toHaveLength(1);
    up = true;
    advance(5_000);
    expect(await tryKey('flaky')).toBe('verified');
    expect(asked).toHaveLength(2);
  });

  it('keeps a good key without asking again, per account', async () => {
    const { tryKey, asked } = keys(async (subdomain) => (subdomain === 'acme' ? pem : undefined));
    expect(await tryKey('acme')).toBe('verified');
    expect(await tryKey('acme')).toBe('verified');
    expect(await tryKey('other')).toBe('not_installed');
    expect(asked).toEqual(['acme', 'other']);
  });
});

import { createHash } from 'node:crypto';
import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import { and, eq, gt, inArray, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { nonces } from '../../db/schema/index.js';
import { REQUEST_TTL_MS } from './service-provider.js';

export const SAML_REQUEST = 'saml_request';
export const SAML_ASSERTION = 'saml_assertion';
export const SAML_BROWSER = 'saml_browser';

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Ties a started sign-in to the browser that started it (a random value in an HttpOnly cookie;
 * only its hash is stored). Without this, someone could post their own valid response into
 * another person's browser and sign them in as the wrong user (login CSRF).
 */
export async function bindRequestToBrowser(db: DbOrTx, tenantId: string, requestId: string, browser: string): Promise<void> {
  await db.insert(nonces).values({ kind: SAML_BROWSER, value: `${tenantId}:${requestId}:${digest(browser)}`, expiresAt: new Date(Date.now() + REQUEST_TTL_MS) });
}

/** Whether this browser started the request, without using the binding up. */
export async function hasBrowserBinding(db: DbOrTx, tenantId: string, requestId: string, browser: string | undefined): Promise<boolean> {
  if (!browser) return false;
  const [row] = await db
    .select({ value: nonces.value })
    .from(nonces)
    .where(and(eq(nonces.kind, SAML_BROWSER), eq(nonces.value, `${tenantId}:${requestId}:${digest(browser)}`), gt(nonces.expiresAt, new Date())));
  return row !== undefined;
}

/** True once, when the response answers a request this very browser started. */
export async function consumeBrowserBinding(db: DbOrTx, tenantId: string, requestId: string, browser: string | undefined): Promise<boolean> {
  if (!browser) return false;
  const removed = await db
    .delete(nonces)
    .where(and(eq(nonces.kind, SAML_BROWSER), eq(nonces.value, `${tenantId}:${requestId}:${digest(browser)}`), gt(nonces.expiresAt, new Date())))
    .returning({ value: nonces.value });
  return removed.length > 0;
}

/**
 * node-saml's store of outstanding AuthnRequest ids, kept in the shared `nonces` table so that the
 * instance that answers the identity provider need not be the one that sent the user there. Keys are
 * scoped to one tenant: a request started for another account is unknown here.
 */
export class SamlRequestStore implements CacheProvider {
  constructor(
    private readonly db: DbOrTx,
    private readonly tenantId: string,
    private readonly ttlMs = REQUEST_TTL_MS,
  ) {}

  private key(requestId: string) {
    return `${this.tenantId}:${requestId}`;
  }

  async saveAsync(requestId: string, _instant: string): Promise<CacheItem | null> {
    const now = Date.now();
    // Expired one-time values are worthless; dropping them here keeps the table small.
    await this.db.delete(nonces).where(and(inArray(nonces.kind, [SAML_REQUEST, SAML_ASSERTION, SAML_BROWSER]), lt(nonces.expiresAt, new Date(now))));
    const saved = await this.db
      .insert(nonces)
      .values({ kind: SAML_REQUEST, value: this.key(requestId), expiresAt: new Date(now + this.ttlMs) })
      .onConflictDoNothing()
      .returning({ value: nonces.value });
    return saved.length > 0 ? { value: new Date(now).toISOString(), createdAt: now } : null;
  }

  /** The instant the request was sent, while it is still outstanding; null otherwise. */
  async getAsync(requestId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ expiresAt: nonces.expiresAt })
      .from(nonces)
      .where(and(eq(nonces.kind, SAML_REQUEST), eq(nonces.value, this.key(requestId)), gt(nonces.expiresAt, new Date())));
    return row ? new Date(row.expiresAt.getTime() - this.ttlMs).toISOString() : null;
  }

  async removeAsync(requestId: string | null): Promise<string | null> {
    if (!requestId) return null;
    const removed = await this.db
      .delete(nonces)
      .where(and(eq(nonces.kind, SAML_REQUEST), eq(nonces.value, this.key(requestId))))
      .returning({ value: nonces.value });
    return removed.length > 0 ? requestId : null;
  }
}

/**
 * Marks an assertion as used until it would expire anyway. False when it was used before: the
 * primary key makes the first of two concurrent uses win, on every instance.
 */
export async function consumeAssertion(db: DbOrTx, tenantId: string, assertionId: string, until: Date): Promise<boolean> {
  const inserted = await db
    .insert(nonces)
    .values({ kind: SAML_ASSERTION, value: `${tenantId}:${assertionId}`, expiresAt: until })
    .onConflictDoNothing()
    .returning({ value: nonces.value });
  return inserted.length > 0;
}

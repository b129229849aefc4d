import { boolean, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { id, tenantScoped, timestamps } from './columns.js';

/** Bearer tokens the tenant's identity provider uses for SCIM; only a SHA-256 of each is kept. */
export const scimTokens = pgTable('scim_tokens', {
  ...id,
  ...tenantScoped,
  tokenHash: text().notNull().unique(),
  revokedAt: timestamp({ withTimezone: true }),
  ...timestamps,
});

/** The tenant's SAML identity provider, for the standalone console. */
export const samlConfigs = pgTable('saml_configs', {
  ...tenantScoped,
  idpEntityId: text().notNull(),
  idpSsoUrl: text().notNull(),
  /** PEM certificate(s) the IdP signs assertions with. */
  idpCertificate: text().notNull(),
  enabled: boolean().notNull().default(true),
  ...timestamps,
}, (t) => [primaryKey({ columns: [t.tenantId] })]);

/**
 * One-time values, across every backend instance: host tokens already used (replays are
 * refused), SAML request ids waiting for their response, SAML assertion ids already consumed.
 * Rows past `expiresAt` are worthless and swept.
 */
export const nonces = pgTable(
  'nonces',
  {
    kind: text().notNull(),
    value: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.value] })],
);

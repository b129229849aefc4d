import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { samlConfigs } from '../../db/schema/index.js';
import { authorizeAccount } from '../access/policy.js';
import { recordAudit } from '../audit/record.js';
import type { Principal } from '../principal.js';
import { certificateProblemMessages, parseCertificates } from './certificates.js';
import { readSamlConfig } from './read-config.js';

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The identity provider's sign-in URL: https, or http to this machine only (a local test IdP). */
const ssoUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((raw) => {
    const url = new URL(raw);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.test(url.hostname);
  }, 'must be an https URL (http only for localhost)');

const certificate = z
  .string()
  .max(32_768)
  .superRefine((pem, ctx) => {
    const parsed = parseCertificates(pem);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: certificateProblemMessages[parsed.problem] });
  });

export const samlConfigInput = z.object({
  /** The identity provider's entity id; assertions must name it as their issuer. */
  idpEntityId: z.string().trim().min(1).max(1024),
  idpSsoUrl: ssoUrl,
  /** PEM: one or more X.509 signing certificates (several during a rollover). */
  idpCertificate: certificate,
  enabled: z.boolean().default(true),
});
export type SamlConfigInput = z.infer<typeof samlConfigInput>;

/** Sets the account's identity provider for console sign-in (admins). */
export async function configureSaml(db: Db, publicBaseUrl: string, principal: Principal, input: SamlConfigInput) {
  const admin = authorizeAccount(principal, 'configure');
  const parsed = parseCertificates(input.idpCertificate);
  // The schema has checked it already; a caller that skipped the schema still cannot store garbage.
  if (!parsed.ok) throw new Error('certificate was not validated');
  await db.transaction(async (tx) => {
    const [existing] = await tx.select({ tenantId: samlConfigs.tenantId }).from(samlConfigs).where(eq(samlConfigs.tenantId, admin.tenantId));
    const values = { idpEntityId: input.idpEntityId, idpSsoUrl: input.idpSsoUrl, idpCertificate: parsed.pem, enabled: input.enabled };
    await tx
      .insert(samlConfigs)
      .values({ tenantId: admin.tenantId, ...values })
      .onConflictDoUpdate({ target: samlConfigs.tenantId, set: { ...values, updatedAt: new Date() } });
    await recordAudit(tx, {
      tenantId: admin.tenantId,
      actor: admin,
      action: 'saml.configured',
      subjectType: 'tenant',
      subjectId: admin.tenantId,
      details: {
        enabled: input.enabled,
        created: !existing,
        certificates: parsed.certificates.map((c) => c.fingerprint256).join(' '),
      },
    });
  });
  return readSamlConfig(db, publicBaseUrl, principal);
}

import { SamlStatusError, type Profile } from '@node-saml/node-saml';
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml.js';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { agents } from '../../db/schema/index.js';
import { recordAudit } from '../audit/record.js';
import { openAgentSession } from '../sessions/open-agent-session.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import { SamlRejectedError, SamlUserRefusedError, type SamlRejection } from './errors.js';
import { loadIdentityProvider, samlFor } from './identity-provider.js';
import { consumeAssertion, consumeBrowserBinding, hasBrowserBinding, SamlRequestStore } from './request-cache.js';
import { CLOCK_SKEW_MS, EMAIL_NAME_ID_FORMAT } from './service-provider.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const UNSPECIFIED_NAME_ID_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

// The signed assertion as node-saml hands it over (xml2js: attributes under `$`, text under `_`).
const text = z.object({ _: z.string() });
const signedAssertion = z.object({
  Assertion: z.object({
    $: z.object({ ID: z.string().min(1) }),
    Issuer: z.tuple([text.passthrough()]),
    Subject: z.tuple([
      z.object({
        SubjectConfirmation: z.array(
          z.object({
            $: z.object({ Method: z.string() }),
            SubjectConfirmationData: z
              .tuple([z.object({ $: z.object({ Recipient: z.string().optional(), InResponseTo: z.string().optional(), NotOnOrAfter: z.string().optional() }) })])
              .optional(),
          }),
        ),
      }),
    ]),
    Conditions: z.tuple([z.object({ $: z.object({ NotOnOrAfter: z.string().optional() }).optional() })]).optional(),
  }),
});

/** node-saml reports failures as plain messages; each is mapped to a reason the user can act on. */
function rejectionOf(error: unknown): SamlRejection {
  if (error instanceof SamlStatusError) return 'idp_refused';
  const message = error instanceof Error ? error.message : '';
  if (/InResponseTo/i.test(message)) return 'request';
  if (/signature/i.test(message)) return 'signature';
  if (/audience/i.test(message)) return 'audience';
  if (/expired|not yet valid|subject confirmation/i.test(message)) return 'expired';
  if (/issuer/i.test(message)) return 'issuer';
  return 'malformed';
}

export interface CompletedSamlLogin {
  token: string;
  expiresAt: Date;
  agentId: string;
}

/**
 * Checks a SAML response posted to a tenant's ACS and, for an active user of that tenant, opens a
 * Parley session. node-saml verifies the assertion's signature against the tenant's certificate,
 * its time window, its audience and that it answers an outstanding request of this tenant; the
 * checks below add the issuer, the destination and recipient, and single use of the assertion.
 */
/** The request id the (not yet verified) response says it answers; only used to look up the browser binding. */
async function claimedRequestId(samlResponse: string): Promise<string | undefined> {
  try {
    const envelope = await parseDomFromString(Buffer.from(samlResponse, 'base64').toString('utf8'));
    return xpath.selectAttributes(envelope, "/*[local-name()='Response']/@InResponseTo")[0]?.value || undefined;
  } catch {
    return undefined;
  }
}

export async function completeSamlLogin(
  deps: { db: Db; tokens: SessionTokens; publicBaseUrl: string },
  tenantId: string,
  samlResponse: string,
  /** The random value of the sign-in cookie of the browser posting the response. */
  browser: string | undefined,
): Promise<CompletedSamlLogin> {
  const idp = await loadIdentityProvider(deps.db, tenantId);
  const { saml, urls } = samlFor(deps.db, deps.publicBaseUrl, tenantId, idp);

  // A response posted by a browser that did not start its sign-in is refused before anything is
  // used up, so a login-CSRF attempt cannot even spend the request it carries.
  const claimed = await claimedRequestId(samlResponse);
  if (!claimed || !(await new SamlRequestStore(deps.db, tenantId).getAsync(claimed))) throw new SamlRejectedError('request');
  if (!(await hasBrowserBinding(deps.db, tenantId, claimed, browser))) throw new SamlRejectedError('browser');

  let profile: Profile | null;
  try {
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
  } catch (error) {
    throw new SamlRejectedError(rejectionOf(error));
  }
  if (!profile?.getAssertion || !profile.getSamlResponseXml) throw new SamlRejectedError('malformed');

  const parsed = signedAssertion.safeParse(profile.getAssertion());
  if (!parsed.success) throw new SamlRejectedError('malformed');
  const assertion = parsed.data.Assertion;
  if (assertion.Issuer[0]._.trim() !== idp.entityId) throw new SamlRejectedError('issuer');

  // The envelope is not necessarily signed, but if it names a destination it must be ours.
  const envelope = await parseDomFromString(profile.getSamlResponseXml());
  const destination = xpath.selectAttributes(envelope, "/*[local-name()='Response']/@Destination")[0]?.value;
  if (destination !== undefined && destination !== urls.acsUrl) throw new SamlRejectedError('recipient');

  // The Web SSO profile's bearer confirmation, from the signed assertion: for our ACS, answering the
  // request the envelope names (so a signed assertion cannot be re-wrapped for another request).
  const inResponseTo = typeof profile.inResponseTo === 'string' ? profile.inResponseTo : undefined;
  const bearers = assertion.Subject[0].SubjectConfirmation.filter((c) => c.$.Method === BEARER).map((c) => c.SubjectConfirmationData?.[0].$);
  if (!bearers.some((data) => data?.Recipient === urls.acsUrl)) throw new SamlRejectedError('recipient');
  const confirmation = bearers.find((data) => data?.Recipient === urls.acsUrl && data.InResponseTo !== undefined && data.InResponseTo === inResponseTo);
  if (!confirmation) throw new SamlRejectedError('request');
  const now = Date.now();
  const notOnOrAfter = Date.parse(confirmation.NotOnOrAfter ?? '');
  if (!Number.isFinite(notOnOrAfter) || notOnOrAfter + CLOCK_SKEW_MS <= now) throw new SamlRejectedError('expired');

  const nameId = profile.nameID;
  const format = profile.nameIDFormat;
  if (!z.email().safeParse(nameId).success || (format && format !== EMAIL_NAME_ID_FORMAT && format !== UNSPECIFIED_NAME_ID_FORMAT)) {
    throw new SamlRejectedError('name_id');
  }

  // Remembered until it could no longer be accepted anyway.
  const conditionsEnd = Date.parse(assertion.Conditions?.[0].$?.NotOnOrAfter ?? '');
  const usableUntil = new Date(Math.max(notOnOrAfter, Number.isFinite(conditionsEnd) ? conditionsEnd : 0) + CLOCK_SKEW_MS);

  return deps.db.transaction(async (tx) => {
    if (!(await consumeAssertion(tx, tenantId, assertion.$.ID, usableUntil))) throw new SamlRejectedError('replayed');
    if (!(await consumeBrowserBinding(tx, tenantId, inResponseTo!, browser))) throw new SamlRejectedError('browser');
    const candidates = await tx
      .select({ id: agents.id, userName: agents.userName, active: agents.active })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), eq(sql`lower(${agents.userName})`, sql`lower(${nameId})`)));
    // User names are compared without case, as SCIM does; an exact match settles a tie.
    const agent = candidates.length === 1 ? candidates[0] : candidates.find((c) => c.userName === nameId);
    if (!agent) throw new SamlUserRefusedError('unknown_user');
    if (!agent.active) throw new SamlUserRefusedError('inactive_user');
    await recordAudit(tx, {
      tenantId,
      actor: { kind: 'agent', agentId: agent.id },
      action: 'agent.signed_in',
      subjectType: 'agent',
      subjectId: agent.id,
      details: { method: 'saml' },
    });
    const session = await openAgentSession(tx, deps.tokens, { tenantId, agentId: agent.id });
    return { ...session, agentId: agent.id };
  });
}

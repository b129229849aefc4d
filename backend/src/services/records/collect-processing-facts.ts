import { and, asc, eq, isNull, max, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { installations, meetingTypes, noticeVersions, roles, samlConfigs, scimTokens, tenants } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import { builtInRoles, isBuiltInRole } from '../access/permissions.js';
import type { DeploymentFacts } from './describe-deployment.js';

export interface MeetingTypeFacts {
  id: string;
  key: string;
  name: string;
  recordingPolicy: 'required' | 'optional' | 'forbidden';
  media: 'audio' | 'audio+video';
  legalBasis: 'consent' | 'legal_obligation' | 'legitimate_interest';
  retention: { recordingDays: number; metadataDays: number; consentDays: number };
  e2ee: boolean;
  storageLocation: string;
  /** The notice version customers are shown now, per language. */
  notices: { language: string; version: number }[];
}

export interface RoleFacts {
  name: string;
  builtIn: boolean;
  allClients: boolean;
  /** Per action: every meeting type, or these meeting type keys. */
  grants: { action: string; meetingTypes: 'all' | string[] }[];
}

/**
 * Everything a record of processing says about one account, and nothing else: no timestamps, no
 * counts of people or calls. Its canonical JSON is what the configuration version hashes, so two
 * documents with the same version were generated from the same facts.
 */
export interface ProcessingFacts {
  /** Bumped when the shape of these facts changes, so versions of different shapes never meet. */
  format: 'parley-records/1';
  tenantId: string;
  controller: {
    name: string;
    contact: string | null;
    dpoContact: string | null;
    privacyPolicyUrl: string | null;
    alternativeContact: string | null;
    defaultLanguage: string;
    /** Where the notices tell customers their data is stored, in the admin's words. */
    storageStatement: string;
    allowedRegions: string[];
  };
  installations: { host: 'zendesk' | 'teams'; account: string }[];
  /** The account-wide switch: off, nothing is recorded whatever the meeting types allow. */
  recordingSwitchedOn: boolean;
  meetingTypes: MeetingTypeFacts[];
  roles: RoleFacts[];
  identity: { scimProvisioning: boolean; saml: { idpEntityId: string; enabled: boolean } | null };
  /** Null when the server was built without a description of its deployment. */
  deployment: DeploymentFacts | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reads the account's live configuration in one read-only snapshot, so a change committed halfway
 * through cannot produce a record that mixes two configurations.
 */
export async function collectProcessingFacts(db: Db, tenantId: string, deployment: DeploymentFacts | null): Promise<ProcessingFacts> {
  return db.transaction(
    async (tx) => {
      const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, tenantId));
      if (!tenant) throw new NotFoundError('TENANT_NOT_FOUND', 'No such account.');
      const hosts = await tx.select({ host: installations.host, account: installations.externalAccountId }).from(installations).where(eq(installations.tenantId, tenantId));
      const types = await tx.select().from(meetingTypes).where(eq(meetingTypes.tenantId, tenantId)).orderBy(asc(meetingTypes.key));
      const notices = await tx
        .select({ meetingTypeId: noticeVersions.meetingTypeId, language: noticeVersions.language, version: max(noticeVersions.version) })
        .from(noticeVersions)
        .where(eq(noticeVersions.tenantId, tenantId))
        .groupBy(noticeVersions.meetingTypeId, noticeVersions.language);
      const roleRows = await tx.select().from(roles).where(eq(roles.tenantId, tenantId)).orderBy(asc(roles.name));
      const [scim] = await tx
        .select({ active: sql<number>`count(*)::int` })
        .from(scimTokens)
        .where(and(eq(scimTokens.tenantId, tenantId), isNull(scimTokens.revokedAt)));
      const [saml] = await tx.select({ idpEntityId: samlConfigs.idpEntityId, enabled: samlConfigs.enabled }).from(samlConfigs).where(eq(samlConfigs.tenantId, tenantId));

      const keyOf = new Map(types.map((t) => [t.id, t.key]));
      return {
        format: 'parley-records/1',
        tenantId,
        controller: {
          name: tenant.controllerName ?? tenant.name,
          contact: tenant.controllerContact,
          dpoContact: tenant.dpoContact,
          privacyPolicyUrl: tenant.privacyPolicyUrl,
          alternativeContact: tenant.alternativeContact,
          defaultLanguage: tenant.defaultLanguage,
          storageStatement: tenant.storageLocation,
          allowedRegions: [...tenant.allowedRegions].sort(byText),
        },
        installations: hosts.sort((a, b) => byText(`${a.host}:${a.account}`, `${b.host}:${b.account}`)),
        recordingSwitchedOn: tenant.recordingEnabledAt !== null,
        meetingTypes: types.map((type) => ({
          id: type.id,
          key: type.key,
          name: type.name,
          recordingPolicy: type.recordingPolicy,
          media: type.media,
          legalBasis: type.legalBasis,
          retention: { recordingDays: type.retentionDays, metadataDays: type.metadataRetentionDays, consentDays: type.consentRetentionDays },
          e2ee: type.e2ee,
          storageLocation: type.storageLocation,
          notices: notices
            .filter((n) => n.meetingTypeId === type.id)
            .map((n) => ({ language: n.language, version: Number(n.version) }))
            .sort((a, b) => byText(a.language, b.language)),
        })),
        roles: roleRows.map((role) => {
          // Built-in roles grant what the code says, whatever the row holds (as the policy reads them).
          if (role.builtIn && isBuiltInRole(role.name)) {
            const definition = builtInRoles[role.name];
            return { name: role.name, builtIn: true, allClients: definition.allClients, grants: definition.actions.map((action) => ({ action, meetingTypes: 'all' as const })) };
          }
          const grants = Object.entries(role.grants)
            .filter((entry): entry is [string, 'all' | string[]] => entry[1] !== undefined)
            .map(([action, scope]) => ({
              action,
              meetingTypes: scope === 'all' ? ('all' as const) : scope.map((id) => keyOf.get(id) ?? id).sort(byText),
            }))
            .sort((a, b) => byText(a.action, b.action));
          return { name: role.name, builtIn: false, allClients: role.allClients, grants };
        }),
        identity: { scimProvisioning: (scim?.active ?? 0) > 0, saml: saml ?? null },
        deployment,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

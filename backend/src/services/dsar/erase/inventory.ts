import { and, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.js';
import { calls, cases, customers, legalHolds, meetingTypes, recordings, subjectKeys } from '../../../db/schema/index.js';
import { callCasesOf } from '../subject.js';

const DAY_MS = 86_400_000;

/** Stages in which the recording pipeline still works on a recording (its key and blob are in motion). */
const IN_PIPELINE = new Set(['pending', 'converting', 'muxing', 'encrypting', 'verified', 'stored']);

export interface HoldRef {
  id: string;
  targetType: 'case' | 'customer' | 'recording';
  targetId: string;
  reference: string;
}

export interface RecordingItem {
  id: string;
  callId: string;
  caseId: string;
  stage: (typeof recordings.$inferSelect)['stage'];
  storageLocation: string;
  objectKey: string | null;
  rawDir: string;
  sizeBytes: number | null;
  blobDeletedAt: Date | null;
  deletionReason: string | null;
  legalBasis: 'consent' | 'legal_obligation' | 'legitimate_interest';
  /** When a legal duty to keep it ends (legal obligation types), else null. */
  legalRetentionEndsAt: Date | null;
  holds: HoldRef[];
}

export interface CaseItem {
  id: string;
  host: 'zendesk' | 'teams';
  externalId: string;
  channel: (typeof cases.$inferSelect)['channel'];
  conversationId: string | null;
  /** Already unlinked from the host by an earlier run. */
  unlinked: boolean;
  /**
   * Another customer's calls are on it too (a group chat, a ticket whose requester changed): it
   * stays linked to its ticket or chat for them; only what is the subject's on it is erased.
   */
  shared: boolean;
}

/** Everything Parley holds about one customer, sorted into what may be erased now and what must be kept. */
export interface ErasureInventory {
  customer: { id: string; tenantId: string; erasedAt: Date | null };
  subjectKey: { id: string } | null;
  customerHolds: HoldRef[];
  recordings: RecordingItem[];
  cases: CaseItem[];
  /** Recordings a legal duty or a hold keeps now. */
  kept: RecordingItem[];
  /** Recordings to erase now (stored, or failed with raw media left). */
  erasable: RecordingItem[];
  /** Recordings the pipeline is still working on. */
  inPipeline: RecordingItem[];
  /** Cases that stay linked to their ticket or chat: a kept recording or a hold is on them. */
  keptCaseIds: Set<string>;
}

/** The prefix a case's host id gets when the case is unlinked from the ticket or chat. */
export const UNLINKED_PREFIX = 'erased:';

export async function loadInventory(db: DbOrTx, tenantId: string, customerId: string, now: Date): Promise<ErasureInventory | null> {
  const [customer] = await db
    .select({ id: customers.id, tenantId: customers.tenantId, erasedAt: customers.erasedAt })
    .from(customers)
    .where(and(eq(customers.id, customerId), eq(customers.tenantId, tenantId)));
  if (!customer) return null;
  const [subjectKey] = await db.select({ id: subjectKeys.id }).from(subjectKeys).where(and(eq(subjectKeys.tenantId, tenantId), eq(subjectKeys.customerId, customerId)));
  // Their cases, and any other case one of their calls is on.
  const caseRows = await db
    .select({ id: cases.id, host: cases.host, externalId: cases.externalId, channel: cases.channel, conversationId: cases.conversationId, customerId: cases.customerId })
    .from(cases)
    .where(and(eq(cases.tenantId, tenantId), or(eq(cases.customerId, customerId), inArray(cases.id, callCasesOf(db, tenantId, customerId)))));
  const othersOn = caseRows.length
    ? new Set(
        (
          await db
            .selectDistinct({ caseId: calls.caseId })
            .from(calls)
            .where(and(eq(calls.tenantId, tenantId), ne(calls.customerId, customerId), inArray(calls.caseId, caseRows.map((c) => c.id))))
        ).map((c) => c.caseId),
      )
    : new Set<string>();
  const recordingRows = await db
    .select({
      id: recordings.id,
      callId: recordings.callId,
      caseId: recordings.caseId,
      stage: recordings.stage,
      storageLocation: recordings.storageLocation,
      objectKey: recordings.objectKey,
      rawDir: recordings.rawDir,
      sizeBytes: recordings.sizeBytes,
      storedAt: recordings.storedAt,
      blobDeletedAt: recordings.blobDeletedAt,
      deletionReason: recordings.deletionReason,
      legalBasis: meetingTypes.legalBasis,
      retentionDays: meetingTypes.retentionDays,
    })
    .from(recordings)
    .innerJoin(calls, eq(calls.id, recordings.callId))
    .innerJoin(meetingTypes, eq(meetingTypes.id, calls.meetingTypeId))
    .where(and(eq(recordings.tenantId, tenantId), eq(recordings.customerId, customerId)));

  const targets = [
    and(eq(legalHolds.targetType, 'customer'), eq(legalHolds.targetId, customerId)),
    caseRows.length ? and(eq(legalHolds.targetType, 'case'), inArray(legalHolds.targetId, caseRows.map((c) => c.id))) : undefined,
    recordingRows.length ? and(eq(legalHolds.targetType, 'recording'), inArray(legalHolds.targetId, recordingRows.map((r) => r.id))) : undefined,
  ].filter((t) => t !== undefined);
  const holds: HoldRef[] = await db
    .select({ id: legalHolds.id, targetType: legalHolds.targetType, targetId: legalHolds.targetId, reference: legalHolds.reference })
    .from(legalHolds)
    .where(and(eq(legalHolds.tenantId, tenantId), isNull(legalHolds.releasedAt), or(...targets)));
  const customerHolds = holds.filter((h) => h.targetType === 'customer');

  const items: RecordingItem[] = recordingRows.map(({ storedAt, retentionDays, ...row }) => ({
    ...row,
    legalRetentionEndsAt: row.legalBasis === 'legal_obligation' && storedAt ? new Date(storedAt.getTime() + retentionDays * DAY_MS) : null,
    holds: [
      ...customerHolds,
      ...holds.filter((h) => (h.targetType === 'case' && h.targetId === row.caseId) || (h.targetType === 'recording' && h.targetId === row.id)),
    ],
  }));
  const live = items.filter((r) => r.stage !== 'deleted');
  const keptByLaw = (r: RecordingItem) => r.stage !== 'failed' && r.legalRetentionEndsAt !== null && r.legalRetentionEndsAt > now;
  const kept = live.filter((r) => r.holds.length > 0 || keptByLaw(r));
  const inPipeline = live.filter((r) => !kept.includes(r) && IN_PIPELINE.has(r.stage));
  const erasable = live.filter((r) => !kept.includes(r) && !inPipeline.includes(r));
  const keptCaseIds = new Set<string>([
    ...kept.map((r) => r.caseId),
    ...holds.filter((h) => h.targetType === 'case').map((h) => h.targetId),
    ...(customerHolds.length ? caseRows.map((c) => c.id) : []),
  ]);
  return {
    customer,
    subjectKey: subjectKey ?? null,
    customerHolds,
    recordings: items,
    cases: caseRows.map(({ customerId: owner, ...c }) => ({ ...c, unlinked: c.externalId.startsWith(UNLINKED_PREFIX), shared: owner !== customerId || othersOn.has(c.id) })),
    kept,
    erasable,
    inPipeline,
    keptCaseIds,
  };
}

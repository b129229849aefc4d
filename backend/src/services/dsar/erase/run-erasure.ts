import type { TicketNoteRedaction } from '../../../ports/ticket-note-redaction.js';
import { DsarNotYet } from '../not-yet.js';
import type { DsarJobDeps, DsarProgress, DsarRequestRow, DsarRunResult } from '../job.js';
import { loadInventory, type CaseItem, type ErasureInventory, type RecordingItem } from './inventory.js';
import type { CaseRedaction } from './redact-notes.js';
import { redactTicketNotes } from './redact-notes.js';
import { destroyRecordingKeys, destroySubjectKey, mustKeepAnything, removeBlobs, removeSubjectKeyRow } from './shred.js';
import { unlinkSubject } from './unlink.js';
import type { ChatMessageReplacement } from '../../../ports/chat-message-replacement.js';
import { removeSubjectExports } from './remove-exports.js';
import { replaceChatMessages, type ChatReplacement } from './replace-chat-messages.js';

export interface ErasureDeps extends DsarJobDeps {
  /** Redacts Parley's notes on the host's tickets; absent when no Zendesk API access is configured. */
  ticketNotes?: TicketNoteRedaction;
  /** Replaces the bot's messages in Teams chats; absent without a Teams bot. */
  chatMessages?: ChatMessageReplacement;
  /** The clock; tests move it to the day a retention period ends. */
  now?: () => Date;
}

/** While a hold stays in place there is no end date; the request is looked at again this often. */
const HOLD_RECHECK_MS = 7 * 86_400_000;

/** Thrown to have the request worked again later; every step done so far stays done. */
export class ErasureIncomplete extends Error {
  override readonly name = 'ErasureIncomplete';
}

/** A recording that is still in the pipeline: erasing it now would race the worker encrypting it. */
export class ErasureWaitsForPipeline extends DsarNotYet {
  override readonly name = 'ErasureWaitsForPipeline';
}

export class ErasureHeldMeanwhile extends DsarNotYet {
  override readonly name = 'ErasureHeldMeanwhile';
}

interface Refusal {
  what: 'recordings' | 'cases' | 'identity' | 'everything';
  ids?: string[];
  count?: number;
  reason: 'legal_obligation' | 'legal_hold';
  law: string;
  explanation: string;
  /** When the reason ends and the rest is erased; absent while a hold stays in place. */
  until?: string;
  holds?: { id: string; target: string; reference: string }[];
}

/**
 * Art. 17 erasure of one customer, in steps that are each idempotent, so a run interrupted anywhere
 * is finished by the next one with every change made once:
 * 1. sort what Parley holds into what must be kept (Art. 17(3)(b) legal duty, legal holds) and
 *    what goes now;
 * 2. crypto-shred: with nothing kept, destroy the subject key (all recordings unreadable at once);
 *    otherwise destroy the wrapped key of each erasable recording and keep the subject key;
 * 3. remove the blobs and check they are gone, and the subject's export bundles not yet expired;
 * 4. redact Parley's own notes on the subject's tickets;
 * 5. unlink cases from their tickets and chats and, with nothing kept, blank the customer.
 * What is kept is refused with its reason, and the request is run again when the reason ends.
 */
export async function runErasureRequest(deps: ErasureDeps, request: DsarRequestRow, progress: DsarProgress): Promise<DsarRunResult> {
  const now = deps.now?.() ?? new Date();
  // The key goes first, before the slower sorting below, whenever nothing of the subject must stay.
  if (!(await mustKeepAnything(deps.db, request.tenantId, request.customerId!, now))) await destroySubjectKey(deps, request, request.customerId!, now);
  const inventory = await loadInventory(deps.db, request.tenantId, request.customerId!, now);
  if (!inventory) return { state: 'completed', outcome: { noDataHeld: true, note: 'Parley holds no data about this subject.' } };
  if (inventory.inPipeline.length > 0) {
    throw new ErasureWaitsForPipeline(`${inventory.inPipeline.length} recording(s) of the subject are still being processed; erasure goes on once they are stored`);
  }
  const everythingHeld = inventory.customerHolds.length > 0;
  const keepIdentity = everythingHeld || inventory.kept.length > 0 || inventory.keptCaseIds.size > 0;
  const erasableCases = everythingHeld ? [] : inventory.cases.filter((c) => !inventory.keptCaseIds.has(c.id));
  const total = inventory.erasable.length * 2 + erasableCases.length + 2;
  let done = 0;
  const step = async (n = 1) => {
    done += n;
    await progress(Math.min(done, total), total);
  };
  await progress(0, total);

  let keyDestroyed: 'subject_key' | 'recording_keys' | 'none' = 'none';
  let recordingsShredded = 0;
  if (!everythingHeld) {
    if (!keepIdentity) {
      // Destroyed above or by an interrupted earlier run; the row goes now. A hold placed since
      // the inventory keeps the key: the run starts over and sorts again.
      if ((await destroySubjectKey(deps, request, inventory.customer.id, now)) === 'kept') {
        throw new ErasureHeldMeanwhile('a legal hold was placed while the erasure ran; what it covers is sorted again');
      }
      if (inventory.subjectKey) await removeSubjectKeyRow(deps, inventory.subjectKey.id);
      keyDestroyed = 'subject_key';
    }
    recordingsShredded = await destroyRecordingKeys(deps, request, inventory.erasable, now);
    if (keyDestroyed === 'none' && inventory.erasable.length > 0) keyDestroyed = 'recording_keys';
  }
  await step(inventory.erasable.length + 1);

  const base = done;
  const blobs = await removeBlobs(deps, request, inventory.customer.id, now, (removed) => progress(Math.min(base + removed, total), total));
  done = base + inventory.erasable.length;
  // Copies made for an earlier access request: whatever is kept, a delivery copy is not.
  const exportsRemoved = await removeSubjectExports(deps, request);

  const redactions = await redactTicketNotes(deps, request, erasableCases);
  // Before unlinking: the chat's id is what finds the messages.
  const chats = await replaceChatMessages(deps, request, erasableCases);
  await step(erasableCases.length);
  const unlinked = await unlinkSubject(deps, request, inventory, erasableCases, !keepIdentity, now);
  await step();

  if (blobs.remaining > 0) {
    // The keys are gone already (nothing decrypts); the blobs are removed on the next run.
    throw new ErasureIncomplete(`${blobs.remaining} recording blob(s) could not be removed yet; their keys are destroyed`);
  }
  return result(inventory, request, erasableCases, { keyDestroyed, recordingsShredded, blobsRemoved: blobs.removed, exportsRemoved, redactions, chats, ...unlinked }, now);
}

function refusals(inventory: ErasureInventory): Refusal[] {
  const list: Refusal[] = [];
  const holdsOf = (items: { id: string; targetType: string; reference: string }[]) =>
    [...new Map(items.map((h) => [h.id, { id: h.id, target: h.targetType, reference: h.reference }])).values()];
  if (inventory.customerHolds.length > 0) {
    list.push({
      what: 'everything',
      reason: 'legal_hold',
      law: 'Art. 17(3)(e)',
      explanation: 'A legal hold is in place over this customer: nothing of theirs is deleted while it lasts.',
      holds: holdsOf(inventory.customerHolds),
    });
    return list;
  }
  const held = inventory.kept.filter((r) => r.holds.length > 0);
  if (held.length > 0) {
    list.push({
      what: 'recordings',
      ids: held.map((r) => r.id),
      count: held.length,
      reason: 'legal_hold',
      law: 'Art. 17(3)(e)',
      explanation: 'A legal hold is in place over these recordings or their cases; they are kept while it lasts.',
      holds: holdsOf(held.flatMap((r) => r.holds)),
    });
  }
  const byLaw = inventory.kept.filter((r) => r.holds.length === 0);
  // One refusal per end date: the requester is told when each part will be erased.
  const byDate = new Map<string, RecordingItem[]>();
  for (const r of byLaw) {
    const day = r.legalRetentionEndsAt!.toISOString();
    byDate.set(day, [...(byDate.get(day) ?? []), r]);
  }
  for (const [until, items] of [...byDate].sort(([a], [b]) => a.localeCompare(b))) {
    list.push({
      what: 'recordings',
      ids: items.map((r) => r.id),
      count: items.length,
      reason: 'legal_obligation',
      law: 'Art. 17(3)(b)',
      explanation: 'A legal duty to keep records of these calls (the meeting type’s legal basis) has not ended; the recordings and their call records are kept until it does and erased then.',
      until,
    });
  }
  return list;
}

function result(
  inventory: ErasureInventory,
  request: DsarRequestRow,
  erasableCases: CaseItem[],
  work: {
    keyDestroyed: 'subject_key' | 'recording_keys' | 'none';
    recordingsShredded: number;
    blobsRemoved: number;
    exportsRemoved: number;
    redactions: Record<string, CaseRedaction>;
    chats: Record<string, ChatReplacement>;
    casesUnlinked: number;
    messagesDropped: number;
    identityErased: boolean;
  },
  now: Date,
): DsarRunResult {
  const refused = refusals(inventory);
  const kept = refused.length > 0;
  const ends = refused.map((r) => r.until).filter((u): u is string => !!u).sort();
  const holdsInPlace = refused.some((r) => r.reason === 'legal_hold');
  if (kept && !refused.some((r) => r.what === 'everything')) {
    refused.push({
      what: 'identity',
      reason: holdsInPlace ? 'legal_hold' : 'legal_obligation',
      law: holdsInPlace ? 'Art. 17(3)(e)' : 'Art. 17(3)(b)',
      explanation: 'The customer record (name, email, host ids) and the subject key stay while something of theirs must be kept, so it can still be produced; they are erased with the rest.',
      ...(ends.length && !holdsInPlace ? { until: ends.at(-1) } : {}),
    });
  }
  // All ticket results so far, this run's and those an interrupted earlier run recorded.
  const earlier = (request.outcome?.ticketNotes ?? {}) as Record<string, CaseRedaction>;
  const tickets = Object.values({ ...earlier, ...work.redactions });
  const redacted = tickets.filter((t) => t.state === 'redacted');
  const notDone: Record<string, unknown>[] = [];
  const others = redacted.reduce((n, t) => n + t.othersComments, 0);
  if (others > 0) {
    notDone.push({ what: 'zendesk_comments_by_others', count: others, reason: 'Comments on the tickets that Parley did not write (the customer’s messages, agents’ replies) are the account’s own records; Parley does not change them. The account can redact them in Zendesk.' });
  }
  const refusedTickets = tickets.filter((t) => t.state === 'refused');
  if (refusedTickets.length > 0) notDone.push({ what: 'zendesk_notes', tickets: refusedTickets.length, reason: 'Zendesk refused the redaction (ticket deleted, or redaction not allowed for the API user).' });
  if (tickets.some((t) => t.state === 'not_configured')) notDone.push({ what: 'zendesk_notes', reason: 'No Zendesk API access is configured, so Parley’s notes on the tickets could not be redacted.' });
  // All chat results so far, as for the tickets.
  const chats = Object.values({ ...((request.outcome?.chatMessages ?? {}) as Record<string, ChatReplacement>), ...work.chats });
  const refusedChats = chats.filter((c) => c.state === 'refused');
  if (refusedChats.length > 0) notDone.push({ what: 'teams_messages', chats: refusedChats.length, reason: 'Teams refused to replace the bot’s messages (the bot was removed from the chat, or the chat is gone).' });
  if (chats.some((c) => c.state === 'not_configured')) notDone.push({ what: 'teams_messages', reason: 'No Teams bot is configured here, so the bot’s messages in the chats could not be replaced.' });
  const shared = erasableCases.filter((c) => c.shared);
  if (shared.length > 0) {
    notDone.push({
      what: 'shared_cases',
      count: shared.length,
      reason: 'These tickets or chats also hold other customers’ calls, so they stay linked to Zendesk or Teams for them. What Parley held and wrote about this person on them is erased.',
    });
  }
  if (erasableCases.some((c) => c.channel === 'zendesk_messaging')) {
    notDone.push({ what: 'messaging_messages', reason: 'Parley does not keep the ids of the messages it sent into Zendesk messaging, so it cannot delete them there.' });
  }
  const erasedRecordings = inventory.recordings.filter((r) => r.stage === 'deleted' && r.deletionReason === 'erasure').length + work.recordingsShredded;
  const retryAt = ends.length ? new Date(ends[0]!) : holdsInPlace ? new Date(now.getTime() + HOLD_RECHECK_MS) : undefined;
  const erasedSomething = erasedRecordings > 0 || erasableCases.length > 0;
  return {
    state: !kept ? 'completed' : erasedSomething ? 'partially_refused' : 'refused',
    outcome: {
      erased: {
        keys: work.keyDestroyed,
        recordings: erasedRecordings,
        blobsRemoved: work.blobsRemoved,
        exportBundlesRemoved: work.exportsRemoved,
        casesUnlinked: erasableCases.length - shared.length,
        messagesDropped: work.messagesDropped,
        ticketNotesRedacted: redacted.reduce((n, t) => n + t.redacted + t.alreadyRedacted, 0),
        identity: !kept,
        sealedAuditData: work.keyDestroyed === 'subject_key',
      },
      refused,
      notDone,
      kept: [
        {
          what: 'consent_records',
          reason: 'Proof that consent was asked and given or refused (Art. 7(1)), kept under Art. 17(3)(e): notice version and hash, language, channel, purpose, decision and time, linked to a customer record that no longer names anyone.',
        },
        {
          what: 'audit_trail',
          reason: 'Audit events keep ids only; personal data in them was sealed under the subject key and is unreadable once it is destroyed.',
        },
      ],
    },
    retryAt,
  };
}

/**
 * Removes what Parley wrote about a person from the host's tickets (Art. 17): the notes and replies
 * Parley posted, named by the outbox keys they were delivered under. Comments written by people or
 * other apps are not Parley's to change; they are counted so the DPO can see them.
 */
export interface TicketNoteRedaction {
  /**
   * `everyParleyNote`: the ticket is the subject's alone, so every note carrying Parley's reference
   * line is about them, including notes of calls retention has deleted since (their keys are gone).
   */
  redactNotes(tenantId: string, ticketId: string, noteKeys: readonly string[], options?: { everyParleyNote?: boolean }): Promise<TicketRedactionReport>;
}

export interface TicketRedactionReport {
  /** Parley's comments redacted now. */
  redacted: number;
  /** Parley's comments found already redacted (an earlier, interrupted run). */
  alreadyRedacted: number;
  /** Notes Parley queued that the ticket does not show (never delivered, or removed by the account). */
  notFound: number;
  /** Comments on the ticket that Parley did not write. */
  othersComments: number;
}

/** The host will not redact on this ticket, and asking again will not change that (ticket deleted, no permission). */
export class TicketRedactionRefused extends Error {
  override readonly name = 'TicketRedactionRefused';
}

/** What the outbox can carry, by kind. Payloads hold ids and texts for the vendor, nothing more. */
export interface OutboxPayloads {
  /** Internal note (public: false) or public reply on a Zendesk ticket. */
  'zendesk.ticket_comment': { ticketId: string; body: string; public: boolean };
  /** A message into a Zendesk messaging (Sunshine Conversations) conversation. */
  'sunco.message': {
    conversationId: string;
    text: string;
    actions?: ({ type: 'link'; text: string; uri: string } | { type: 'postback'; text: string; payload: string })[];
  };
  /** An activity (text or Adaptive Card) into a Teams conversation the bot was added to. */
  /** `replaces`: the id of an earlier bot message this one takes the place of. */
  'teams.activity': { conversationId: string; replaces?: string; activity: Record<string, unknown> };
  /** A copy of one audit event for the off-host sink (AUDIT_SINK_URL); personal data only sealed. */
  'audit.event': AuditForwardPayload;
}

/** An audit event as stored, chain fields included, so the sink can check the chain on its own. */
export interface AuditForwardPayload {
  id: number;
  tenantId: string;
  seq: number;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Record<string, string | number | boolean | null>;
  dataSubjectId: string | null;
  sealed: string | null;
  prevHash: string;
  hash: string;
}
export type OutboxKind = keyof OutboxPayloads;
export type OutboxPayload<K extends OutboxKind> = OutboxPayloads[K];

export interface OutboxEnvelope<K extends OutboxKind = OutboxKind> {
  id: string;
  tenantId: string;
  kind: K;
  idempotencyKey: string;
  payload: OutboxPayload<K>;
  /** Earlier attempts; > 0 means a previous attempt may have reached the vendor. */
  attempts: number;
}

export type DeliveryResult =
  /** `vendorMessageId`: the vendor's id of what was posted, where the vendor lets it be changed later. */
  | { outcome: 'delivered'; vendorMessageId?: string }
  /** Try again later; `retryAfterMs` when the vendor said when (429 Retry-After). */
  | { outcome: 'retry'; error: string; retryAfterMs?: number }
  /** Will never succeed (e.g. 404 ticket, 401): dead-letter at once. */
  | { outcome: 'rejected'; error: string };

/** One per vendor; the worker picks by message kind. */
export interface OutboxDeliverer<K extends OutboxKind = OutboxKind> {
  deliver(message: OutboxEnvelope<K>): Promise<DeliveryResult>;
}

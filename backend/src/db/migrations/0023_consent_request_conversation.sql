ALTER TABLE "consent_requests" ADD COLUMN "conversation_id" text;--> statement-breakpoint
-- Offers made before the column existed: the chat their invitation was queued for, where the
-- outbox still holds it, else their case's chat (which a later escalation may have moved).
UPDATE "consent_requests" SET "conversation_id" = coalesce(
  (SELECT "outbox_messages"."payload"->>'conversationId' FROM "outbox_messages"
    WHERE "outbox_messages"."tenant_id" = "consent_requests"."tenant_id"
      AND "outbox_messages"."idempotency_key" = 'call:' || "consent_requests"."call_id" || ':invitation'
    LIMIT 1),
  "cases"."conversation_id", "cases"."external_id")
FROM "calls", "cases"
WHERE "calls"."id" = "consent_requests"."call_id" AND "cases"."id" = "calls"."case_id"
  AND "consent_requests"."channel" IN ('zendesk_messaging', 'teams_chat');

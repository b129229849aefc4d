ALTER TABLE "consent_requests" ADD COLUMN "conversation_id" text;--> statement-breakpoint
-- Offers made before the column existed went to their case's chat as it was then.
UPDATE "consent_requests" SET "conversation_id" = coalesce("cases"."conversation_id", "cases"."external_id")
FROM "calls", "cases"
WHERE "calls"."id" = "consent_requests"."call_id" AND "cases"."id" = "calls"."case_id"
  AND "consent_requests"."channel" IN ('zendesk_messaging', 'teams_chat');

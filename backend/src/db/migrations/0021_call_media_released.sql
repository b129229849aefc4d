ALTER TABLE "calls" ADD COLUMN "media_released_at" timestamp with time zone;--> statement-breakpoint
-- Calls that finished before this column existed were torn down then (or their node is long gone).
UPDATE "calls" SET "media_released_at" = "ended_at" WHERE "state" IN ('ended', 'failed');

ALTER TABLE "meeting_types" ADD COLUMN "lobby" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "locked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "lobby_entered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "admitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
-- Participants who already hold a media token were let in when they redeemed their link.
UPDATE "participants" SET "admitted_at" = COALESCE("joined_at", "updated_at") WHERE "media_token" IS NOT NULL OR "joined_at" IS NOT NULL;

ALTER TYPE "public"."participant_role" ADD VALUE 'supervisor';--> statement-breakpoint
ALTER TABLE "meeting_types" ADD COLUMN "silent_supervision" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "meeting_types" ADD CONSTRAINT "meeting_types_e2ee_unsupervised" CHECK (NOT ("meeting_types"."e2ee" AND "meeting_types"."silent_supervision"));
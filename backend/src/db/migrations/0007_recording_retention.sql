ALTER TYPE "public"."recording_stage" ADD VALUE 'deleted';--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "deletion_reason" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "blob_deleted_at" timestamp with time zone;
CREATE TYPE "public"."recording_stage" AS ENUM('pending', 'converting', 'muxing', 'encrypting', 'verified', 'stored', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "subject_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"master_key_id" text NOT NULL,
	"wrapped_key" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subject_keys_customerId_unique" UNIQUE("customer_id")
);
--> statement-breakpoint
ALTER TABLE "recordings" RENAME COLUMN "error" TO "last_error";--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "allowed_regions" text[] DEFAULT '{"eu"}' NOT NULL;--> statement-breakpoint
ALTER TABLE "meeting_types" ADD COLUMN "storage_location" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "case_id" uuid;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "stage" "recording_stage" DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "storage_location" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "object_key" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "key_id" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "wrapped_key" "bytea";--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "subject_key_id" uuid;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "size_bytes" bigint;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "media_sha256" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "stored_at" timestamp with time zone;--> statement-breakpoint
-- Recordings made before this migration were kept as plain files: link them to their call's case and customer and send them through the new pipeline again from their raw folders.
UPDATE "recordings" SET "case_id" = c."case_id", "customer_id" = c."customer_id", "storage_location" = 'local', "key_id" = 'rk-' || "recordings"."id" FROM "calls" c WHERE c."id" = "recordings"."call_id";--> statement-breakpoint
ALTER TABLE "recordings" ALTER COLUMN "case_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ALTER COLUMN "storage_location" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ALTER COLUMN "key_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "subject_keys" ADD CONSTRAINT "subject_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subject_keys" ADD CONSTRAINT "subject_keys_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_subject_key_id_subject_keys_id_fk" FOREIGN KEY ("subject_key_id") REFERENCES "public"."subject_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recordings_customer_idx" ON "recordings" USING btree ("tenant_id","customer_id");--> statement-breakpoint
CREATE INDEX "recordings_stage_due_idx" ON "recordings" USING btree ("stage","next_attempt_at");--> statement-breakpoint
ALTER TABLE "recordings" DROP COLUMN "state";--> statement-breakpoint
ALTER TABLE "recordings" DROP COLUMN "file";--> statement-breakpoint
DROP TYPE "public"."recording_state";
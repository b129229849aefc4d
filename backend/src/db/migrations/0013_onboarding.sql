CREATE TYPE "public"."tenant_export_state" AS ENUM('running', 'ready', 'failed');--> statement-breakpoint
CREATE TABLE "offboarded_tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"host" text NOT NULL,
	"external_account_id" text NOT NULL,
	"offboarded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"offboarded_by" uuid NOT NULL,
	"deleted" jsonb NOT NULL,
	"audit_head_seq" bigint NOT NULL,
	"audit_head_hash" text NOT NULL,
	"final_event" jsonb NOT NULL,
	"forward_state" text DEFAULT 'none' NOT NULL,
	"forward_attempts" integer DEFAULT 0 NOT NULL,
	"forward_next_at" timestamp with time zone DEFAULT now() NOT NULL,
	"forward_error" text,
	"forwarded_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tenant_exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"requested_by" uuid,
	"state" "tenant_export_state" DEFAULT 'running' NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"progress_done" integer DEFAULT 0 NOT NULL,
	"progress_total" integer DEFAULT 0 NOT NULL,
	"storage_location" text,
	"object_key" text,
	"size_bytes" bigint,
	"contents" jsonb,
	"download_token_hash" text,
	"expires_at" timestamp with time zone,
	"downloaded_at" timestamp with time zone,
	"last_error" text,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_exports_downloadTokenHash_unique" UNIQUE("download_token_hash")
);
--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "onboarded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "recording_enabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "onboarding_reviewed" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_exports" ADD CONSTRAINT "tenant_exports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_exports" ADD CONSTRAINT "tenant_exports_requested_by_agents_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "offboarded_tenants_tenant_uq" ON "offboarded_tenants" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "offboarded_tenants_account_idx" ON "offboarded_tenants" USING btree ("host","external_account_id");--> statement-breakpoint
CREATE INDEX "tenant_exports_tenant_idx" ON "tenant_exports" USING btree ("tenant_id","created_at");--> statement-breakpoint
-- Accounts that exist already were set up before the wizard and have recorded from the start: they keep working as before.
UPDATE "tenants" SET "onboarded_at" = now(), "recording_enabled_at" = now();--> statement-breakpoint
-- Deleting an account (offboarding, after a full export) removes its audit trail and its evidence too.
-- The transaction that does it names the one tenant it deletes (set_config('parley.offboarding_tenant',
-- <id>, true)); rows of every other tenant stay protected, and updates are refused as before.
CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' THEN
    IF OLD.tenant_id::text = current_setting('parley.offboarding_tenant', true) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' THEN
    IF current_setting('parley.evidence_deletion', true) = 'retention' OR OLD.tenant_id::text = current_setting('parley.offboarding_tenant', true) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

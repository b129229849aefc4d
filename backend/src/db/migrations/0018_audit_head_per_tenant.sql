-- Every tenant has an audit chain head from the moment it exists, so appending one event is a
-- plain UPDATE of the head (services/audit/CHAIN.md). A head at seq 0 links to the genesis hash.
INSERT INTO "audit_chain_heads" ("tenant_id", "seq", "hash")
  SELECT t."id", 0, repeat('0', 64) FROM "tenants" t
  ON CONFLICT ("tenant_id") DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION audit_head_for_new_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_chain_heads (tenant_id, seq, hash) VALUES (NEW.id, 0, repeat('0', 64))
    ON CONFLICT (tenant_id) DO NOTHING;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER tenants_audit_head
  AFTER INSERT ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION audit_head_for_new_tenant();
--> statement-breakpoint
-- An event appended in one statement takes its link from the head; without a head the statement
-- fails here, whole, rather than commit a change whose event is missing.
CREATE FUNCTION audit_head_missing(tenant uuid) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit chain of tenant % has no head', tenant USING ERRCODE = 'P0001';
END;
$$;

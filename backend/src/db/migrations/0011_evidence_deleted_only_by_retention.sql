-- Consent records stay append-only: never changed, and removed only when their retention period
-- has ended (or an erasure may lawfully remove them). The job that does so says it in its own
-- transaction (SET LOCAL parley.evidence_deletion = 'retention'); every other DELETE is refused.
CREATE OR REPLACE FUNCTION refuse_evidence_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW' AND current_setting('parley.evidence_deletion', true) = 'retention' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- The one-event append creates a missing head itself again (INSERT … ON CONFLICT DO UPDATE), which
-- measured cheaper per event than checking for it; the check function of 0018 is no longer used.
DROP FUNCTION audit_head_missing(uuid);

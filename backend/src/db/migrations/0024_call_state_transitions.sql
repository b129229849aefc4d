-- A call's state machine, kept by the database as well as by the code (services/calls/state-machine.ts):
-- created -> active | ended | failed; active -> ended | failed; ended and failed are final. Every
-- path that moves a call (end, presence, decline, expiry, a lost media node) is held to it, however
-- it writes. A test checks the two tables agree, pair by pair.
CREATE OR REPLACE FUNCTION refuse_call_state_jump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IS DISTINCT FROM OLD.state AND NOT (
    (OLD.state = 'created' AND NEW.state IN ('active', 'ended', 'failed'))
    OR (OLD.state = 'active' AND NEW.state IN ('ended', 'failed'))
  ) THEN
    RAISE EXCEPTION 'a call that is % cannot become %', OLD.state, NEW.state USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER calls_state_transitions BEFORE UPDATE OF state ON calls FOR EACH ROW EXECUTE FUNCTION refuse_call_state_jump();

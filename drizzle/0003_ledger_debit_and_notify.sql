-- Group commit: applies the debits of ONE account in arrival order, each all or nothing,
-- under one row lock and one balance write, so N concurrent debits cost one round trip.
-- A consume idempotency key already used in the last 24 h replays its first entry; the
-- row lock makes that check race-free across processes (every consume holds it).
CREATE FUNCTION ledger_debit(
  p_endpoint integer, p_wallet text, p_costs bigint[], p_refs text[], p_keys text[]
) RETURNS TABLE (r_ord integer, r_ok boolean, r_entry_id bigint, r_balance bigint, r_replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_start bigint;
  v_balance bigint;
  v_id bigint;
  v_after bigint;
  i integer;
BEGIN
  SELECT b.credits INTO v_start FROM balances b
   WHERE b.endpoint_id = p_endpoint AND b.wallet = p_wallet FOR UPDATE;
  v_balance := v_start;
  FOR i IN 1 .. coalesce(array_length(p_costs, 1), 0) LOOP
    r_ord := i;
    IF p_keys[i] IS NOT NULL THEN
      SELECT e.id, e.balance_after INTO v_id, v_after FROM ledger_entries e
       WHERE e.endpoint_id = p_endpoint AND e.wallet = p_wallet AND e.kind = 'consume'
         AND e.idempotency_key = p_keys[i] AND e.created_at > now() - interval '24 hours'
       ORDER BY e.id DESC LIMIT 1;
      IF FOUND THEN
        r_ok := true; r_entry_id := v_id; r_balance := v_after; r_replayed := true;
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF v_balance IS NOT NULL AND v_balance >= p_costs[i] THEN
      v_balance := v_balance - p_costs[i];
      INSERT INTO ledger_entries (endpoint_id, wallet, kind, delta, balance_after, reference, idempotency_key)
      VALUES (p_endpoint, p_wallet, 'consume', -p_costs[i], v_balance, p_refs[i], p_keys[i])
      RETURNING id INTO v_id;
      r_ok := true; r_entry_id := v_id; r_balance := v_balance; r_replayed := false;
    ELSE
      r_ok := false; r_entry_id := NULL; r_balance := coalesce(v_balance, 0); r_replayed := false;
    END IF;
    RETURN NEXT;
  END LOOP;
  IF v_balance IS DISTINCT FROM v_start THEN
    UPDATE balances SET credits = v_balance, updated_at = now()
     WHERE endpoint_id = p_endpoint AND wallet = p_wallet;
  END IF;
END;
$$;
--> statement-breakpoint
-- Every app instance caches endpoint configuration and LISTENs here to drop stale copies.
CREATE FUNCTION notify_endpoint_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('endpoint_changed', OLD.endpoint_id::text);
  ELSE
    PERFORM pg_notify('endpoint_changed', NEW.endpoint_id::text);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION notify_endpoint_row_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('endpoint_changed', OLD.id::text);
  ELSE
    PERFORM pg_notify('endpoint_changed', NEW.id::text);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER endpoints_notify AFTER INSERT OR UPDATE OR DELETE ON endpoints
  FOR EACH ROW EXECUTE FUNCTION notify_endpoint_row_changed();
--> statement-breakpoint
CREATE TRIGGER credit_packs_notify AFTER INSERT OR UPDATE OR DELETE ON credit_packs
  FOR EACH ROW EXECUTE FUNCTION notify_endpoint_changed();

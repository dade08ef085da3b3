-- ledger_debit also keeps the account's running totals (consumed, calls, last call) on the
-- balance row it already writes, so customer lists never aggregate the ledger.
CREATE OR REPLACE FUNCTION ledger_debit(
  p_endpoint integer, p_wallet text, p_costs bigint[], p_refs text[], p_keys text[]
) RETURNS TABLE (r_ord integer, r_ok boolean, r_entry_id bigint, r_balance bigint, r_replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_start bigint;
  v_balance bigint;
  v_id bigint;
  v_after bigint;
  i integer;
  v_calls integer := 0;
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
         AND NOT EXISTS (
           SELECT 1 FROM ledger_entries r
            WHERE r.endpoint_id = p_endpoint AND r.wallet = p_wallet AND r.kind = 'refund'
              AND r.idempotency_key = 'refund:' || e.id)
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
      v_calls := v_calls + 1;
      r_ok := true; r_entry_id := v_id; r_balance := v_balance; r_replayed := false;
    ELSE
      r_ok := false; r_entry_id := NULL; r_balance := coalesce(v_balance, 0); r_replayed := false;
    END IF;
    RETURN NEXT;
  END LOOP;
  IF v_balance IS DISTINCT FROM v_start THEN
    UPDATE balances SET credits = v_balance, updated_at = now(),
           consumed = consumed + (v_start - v_balance), calls = calls + v_calls, last_call_at = now()
     WHERE endpoint_id = p_endpoint AND wallet = p_wallet;
  END IF;
END;
$$;
--> statement-breakpoint
-- Backfill the totals of accounts that existed before they were kept.
UPDATE balances b SET
  purchased = t.purchased, consumed = t.consumed, calls = t.calls, last_call_at = t.last_call_at
FROM (
  SELECT endpoint_id, wallet,
         coalesce(sum(delta) FILTER (WHERE kind = 'purchase'), 0) AS purchased,
         coalesce(-sum(delta) FILTER (WHERE kind = 'consume'), 0)
           - coalesce(sum(delta) FILTER (WHERE kind = 'refund'), 0) AS consumed,
         count(*) FILTER (WHERE kind = 'consume') AS calls,
         max(created_at) FILTER (WHERE kind = 'consume') AS last_call_at
  FROM ledger_entries GROUP BY endpoint_id, wallet
) t
WHERE b.endpoint_id = t.endpoint_id AND b.wallet = t.wallet;

ALTER TABLE "ledger_entries" ADD COLUMN "request_digest" text;--> statement-breakpoint
-- A consume key is bound to its request: the digest of method, path, query and body is
-- stored with the entry, and a repeat of the key with another digest is reported
-- (r_same = false) instead of replayed, so a key never buys a different call.
DROP FUNCTION ledger_debit_many(integer[], text[], bigint[], text[], text[]);--> statement-breakpoint
CREATE FUNCTION ledger_debit_many(
  p_endpoints integer[], p_wallets text[], p_costs bigint[], p_refs text[], p_keys text[], p_digests text[]
) RETURNS TABLE (r_ord integer, r_ok boolean, r_entry_id bigint, r_balance bigint, r_replayed boolean, r_same boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_endpoint integer := NULL;
  v_wallet text := NULL;
  v_start bigint;
  v_balance bigint;
  v_calls integer := 0;
  v_id bigint;
  v_after bigint;
  v_digest text;
  i integer;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_costs, 1), 0) LOOP
    IF v_endpoint IS DISTINCT FROM p_endpoints[i] OR v_wallet IS DISTINCT FROM p_wallets[i] THEN
      IF v_balance IS DISTINCT FROM v_start THEN
        UPDATE balances SET credits = v_balance, updated_at = now(),
               consumed = consumed + (v_start - v_balance), calls = calls + v_calls, last_call_at = now()
         WHERE endpoint_id = v_endpoint AND wallet = v_wallet;
      END IF;
      v_endpoint := p_endpoints[i];
      v_wallet := p_wallets[i];
      v_calls := 0;
      SELECT b.credits INTO v_start FROM balances b
       WHERE b.endpoint_id = v_endpoint AND b.wallet = v_wallet FOR UPDATE;
      IF NOT FOUND THEN v_start := NULL; END IF;
      v_balance := v_start;
    END IF;
    r_ord := i;
    r_same := true;
    IF p_keys[i] IS NOT NULL THEN
      SELECT e.id, e.balance_after, e.request_digest INTO v_id, v_after, v_digest FROM ledger_entries e
       WHERE e.endpoint_id = v_endpoint AND e.wallet = v_wallet AND e.kind = 'consume'
         AND e.idempotency_key = p_keys[i] AND e.created_at > now() - interval '24 hours'
         AND NOT EXISTS (
           SELECT 1 FROM ledger_entries r
            WHERE r.endpoint_id = v_endpoint AND r.wallet = v_wallet AND r.kind = 'refund'
              AND r.idempotency_key = 'refund:' || e.id)
       ORDER BY e.id DESC LIMIT 1;
      IF FOUND THEN
        r_ok := true; r_entry_id := v_id; r_balance := v_after; r_replayed := true;
        r_same := v_digest IS NULL OR p_digests[i] IS NULL OR v_digest = p_digests[i];
        RETURN NEXT;
        CONTINUE;
      END IF;
    END IF;
    IF v_balance IS NOT NULL AND v_balance >= p_costs[i] THEN
      v_balance := v_balance - p_costs[i];
      INSERT INTO ledger_entries (endpoint_id, wallet, kind, delta, balance_after, reference, idempotency_key, request_digest)
      VALUES (v_endpoint, v_wallet, 'consume', -p_costs[i], v_balance, p_refs[i], p_keys[i], p_digests[i])
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
     WHERE endpoint_id = v_endpoint AND wallet = v_wallet;
  END IF;
END;
$$;

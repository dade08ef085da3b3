-- Identifiers were stored but never enforced: a payer may have reused one. The earliest
-- payment keeps it; the later ones lose it (they stay bound by their authorization).
UPDATE "payments" p SET "payment_identifier" = NULL
 WHERE p."payment_identifier" IS NOT NULL
   AND EXISTS (
     SELECT 1 FROM "payments" q
      WHERE q."endpoint_id" = p."endpoint_id" AND q."payer" = p."payer"
        AND q."payment_identifier" = p."payment_identifier"
        AND (q."created_at", q."id") < (p."created_at", p."id"));--> statement-breakpoint
CREATE UNIQUE INDEX "payments_identifier_uq" ON "payments" USING btree ("endpoint_id","payer","payment_identifier") WHERE "payments"."payment_identifier" is not null;
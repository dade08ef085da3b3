ALTER TABLE "balances" ADD COLUMN "purchased" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "balances" ADD COLUMN "consumed" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "balances" ADD COLUMN "calls" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "balances" ADD COLUMN "last_call_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "balances_endpoint_recent_idx" ON "balances" USING btree ("endpoint_id","updated_at");
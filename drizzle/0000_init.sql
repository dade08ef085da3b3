CREATE TYPE "public"."wallet_auth_mode" AS ENUM('header', 'signed');--> statement-breakpoint
CREATE TYPE "public"."ledger_kind" AS ENUM('purchase', 'consume', 'refund', 'grant', 'adjust');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('pending', 'settled', 'failed');--> statement-breakpoint
CREATE TABLE "credit_packs" (
	"endpoint_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"credits" bigint NOT NULL,
	"price_atomic" bigint NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "credit_packs_endpoint_id_id_pk" PRIMARY KEY("endpoint_id","id"),
	CONSTRAINT "credit_packs_credits_positive" CHECK ("credit_packs"."credits" > 0),
	CONSTRAINT "credit_packs_min_price" CHECK ("credit_packs"."price_atomic" >= 10000)
);
--> statement-breakpoint
CREATE TABLE "endpoints" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "endpoints_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"owner_address" text NOT NULL,
	"origin_url" text NOT NULL,
	"origin_key_enc" text,
	"pay_to" text NOT NULL,
	"credits_per_call" bigint NOT NULL,
	"wallet_auth" "wallet_auth_mode" DEFAULT 'header' NOT NULL,
	"refund_on_error" boolean DEFAULT true NOT NULL,
	"timeout_ms" integer DEFAULT 30000 NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"default_pack_id" text,
	"api_schema" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "endpoints_slug_unique" UNIQUE("slug"),
	CONSTRAINT "endpoints_credits_per_call_positive" CHECK ("endpoints"."credits_per_call" > 0),
	CONSTRAINT "endpoints_timeout_positive" CHECK ("endpoints"."timeout_ms" > 0)
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"endpoint_id" integer NOT NULL,
	"wallet" text NOT NULL,
	"credits" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "balances_endpoint_id_wallet_pk" PRIMARY KEY("endpoint_id","wallet"),
	CONSTRAINT "balances_non_negative" CHECK ("balances"."credits" >= 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"endpoint_id" integer NOT NULL,
	"wallet" text NOT NULL,
	"kind" "ledger_kind" NOT NULL,
	"delta" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"reference" text,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_entries_balance_after_non_negative" CHECK ("ledger_entries"."balance_after" >= 0),
	CONSTRAINT "ledger_entries_delta_nonzero" CHECK ("ledger_entries"."delta" <> 0)
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"endpoint_id" integer NOT NULL,
	"pack_id" text NOT NULL,
	"credits" bigint NOT NULL,
	"network" text NOT NULL,
	"asset" text NOT NULL,
	"payer" text NOT NULL,
	"pay_to" text NOT NULL,
	"amount" bigint NOT NULL,
	"nonce" text NOT NULL,
	"status" "payment_status" DEFAULT 'pending' NOT NULL,
	"transaction" text,
	"failure_reason" text,
	"payment_identifier" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "credit_packs" ADD CONSTRAINT "credit_packs_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "balances" ADD CONSTRAINT "balances_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "balances_wallet_idx" ON "balances" USING btree ("wallet");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entries_idempotency_uq" ON "ledger_entries" USING btree ("endpoint_id","wallet","kind","idempotency_key") WHERE "ledger_entries"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "ledger_entries_account_idx" ON "ledger_entries" USING btree ("endpoint_id","wallet","id");--> statement-breakpoint
CREATE INDEX "ledger_entries_endpoint_time_idx" ON "ledger_entries" USING btree ("endpoint_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_authorization_uq" ON "payments" USING btree ("network","asset","payer","nonce");--> statement-breakpoint
CREATE INDEX "payments_pending_idx" ON "payments" USING btree ("created_at") WHERE "payments"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "payments_payer_idx" ON "payments" USING btree ("payer","created_at");
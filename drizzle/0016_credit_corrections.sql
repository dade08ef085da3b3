CREATE TABLE "credit_corrections" (
	"entry_id" bigint PRIMARY KEY NOT NULL,
	"endpoint_id" integer NOT NULL,
	"wallet" text NOT NULL,
	"kind" text NOT NULL,
	"credits" bigint NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"via" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_corrections" ADD CONSTRAINT "credit_corrections_entry_id_ledger_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."ledger_entries"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_corrections" ADD CONSTRAINT "credit_corrections_endpoint_id_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."endpoints"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_corrections_endpoint_idx" ON "credit_corrections" USING btree ("endpoint_id","kind","entry_id");
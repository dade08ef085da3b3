CREATE TABLE "usage_rollup_state" (
	"bucket" text PRIMARY KEY NOT NULL,
	"rolled_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"endpoint_id" integer NOT NULL,
	"bucket" text NOT NULL,
	"t" timestamp with time zone NOT NULL,
	"calls" bigint NOT NULL,
	"credits" bigint NOT NULL,
	"wallets" bigint NOT NULL,
	"refunds" bigint NOT NULL,
	"purchases" bigint NOT NULL,
	CONSTRAINT "usage_rollups_endpoint_id_bucket_t_pk" PRIMARY KEY("endpoint_id","bucket","t")
);

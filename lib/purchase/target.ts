import { z } from "zod";
import { slugSchema } from "@/lib/endpoints/slug";

const packIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "is not a pack id");

/** What to buy, in the purchaseUrl's query (it wins over a body). */
export const purchaseQuery = z.object({
  endpoint: slugSchema.optional().meta({ description: "The endpoint's slug." }),
  pack: packIdSchema
    .optional()
    .meta({ description: "The pack's id; default: the endpoint's default pack." }),
});

/** What to buy, as a JSON body, when the query does not name it. */
export const purchaseBody = z
  .object({
    endpoint: slugSchema.meta({ description: "The endpoint's slug." }),
    packId: packIdSchema
      .optional()
      .meta({ description: "The pack's id; default: the endpoint's default pack." }),
  })
  .strict();

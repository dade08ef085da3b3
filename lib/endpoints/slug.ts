import { z } from "zod";

/** Public endpoint names: lower-case, digits and dashes, 2–63 characters. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,62}$/,
    "must be 2-63 characters of a-z, 0-9 and -, not starting with -",
  );

import { z } from 'zod';

/**
 * A model id names a folder under `models/`, so it is held to a rule that can never form a path
 * (`../x`, `a/b`): manifests, the catalogue and every request that names a model use this one.
 * Node-free, because the renderer type-checks the API contract that imports it.
 */
export const modelIdSchema = z
  .string()
  .max(200)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"');

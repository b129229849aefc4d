import { z } from 'zod';
import { actions } from '../access/permissions.js';

/** What a custom role may do: per action, every meeting type or the listed ones. */
export const grantsInput = z.partialRecord(z.enum(actions), z.union([z.literal('all'), z.array(z.uuid()).min(1).max(100)]));

export const roleInput = z.object({
  name: z.string().trim().min(2).max(60).regex(/^[\p{L}\p{N} _.-]+$/u, 'letters, digits, spaces, _ . - only'),
  /** Sees every client's data; otherwise only the clients its users are assigned to. */
  allClients: z.boolean().default(false),
  grants: grantsInput,
});
export type RoleInput = z.infer<typeof roleInput>;

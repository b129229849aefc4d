import type { Principal } from '../services/principal.js';

/** Variables every request carries through Hono's context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}

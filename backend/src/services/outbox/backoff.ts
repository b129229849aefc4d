export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * How long to wait before the next attempt. `attempt` counts attempts made so far
 * (1 after the first failure). Equal jitter: half the exponential delay is fixed so
 * a message never retries almost at once, the other half is random so messages that
 * failed together (a vendor outage) do not come back together.
 *
 * A vendor's Retry-After is a floor, never shortened and never capped: sending
 * earlier only earns another 429. A little jitter goes on top of it for the same
 * herd reason.
 */
export function retryDelayMs(policy: BackoffPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    return Math.ceil(retryAfterMs + random() * Math.min(1_000, retryAfterMs * 0.1));
  }
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.ceil(exponential / 2 + random() * (exponential / 2));
}

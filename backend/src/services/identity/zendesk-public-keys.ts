import { errors, importSPKI, type CryptoKey } from 'jose';

interface CachedKey {
  pem: string;
  key: CryptoKey;
  /** When a failed signature last made us fetch again; 0 = never. */
  refetchedAt: number;
}

/** Why no key could be had: the app is not in that account, or its API could not be asked. */
export class ZendeskKeyUnavailable extends Error {
  override readonly name = 'ZendeskKeyUnavailable';
  constructor(
    readonly reason: 'not_installed' | 'unreadable' | 'unreachable',
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

export interface ZendeskPublicKeysOptions {
  /** Fetches the app's PEM key from the account (undefined: the app is not installed there). */
  fetchPem(subdomain: string): Promise<string | undefined>;
  /**
   * A failed signature fetches the key again at most this often per account, and an account
   * without the app (or with an unreadable key) is asked again no sooner: forged tokens naming any
   * account cannot make Parley flood Zendesk.
   */
  refetchIntervalMs?: number;
  /** An account whose API did not answer is asked again no sooner than this. */
  unreachableRetryMs?: number;
  /** Accounts kept; the oldest is dropped beyond this. */
  maxAccounts?: number;
  now?: () => number;
}

/**
 * The app's signed-URL public key per Zendesk account, fetched on first use and kept in memory (a
 * cache: any instance can fetch it again). When a signature does not verify, the key is fetched
 * once more, since the account may have rotated it; a token that still fails is refused.
 */
export class ZendeskPublicKeys {
  /** Keys, fetches under way, and refusals until `retryAt` (absent while the entry is good). */
  private readonly cache = new Map<string, { loading: Promise<CachedKey>; retryAt?: number }>();
  private readonly refetchIntervalMs: number;
  private readonly unreachableRetryMs: number;
  private readonly maxAccounts: number;
  private readonly now: () => number;

  constructor(private readonly options: ZendeskPublicKeysOptions) {
    this.refetchIntervalMs = options.refetchIntervalMs ?? 60_000;
    this.unreachableRetryMs = options.unreachableRetryMs ?? 5_000;
    this.maxAccounts = options.maxAccounts ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Runs `check` with the account's key; on a signature failure, once more with a freshly fetched key. */
  async verify<T>(subdomain: string, check: (key: CryptoKey) => Promise<T>): Promise<T> {
    const cached = await this.entry(subdomain);
    try {
      return await check(cached.key);
    } catch (error) {
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
      if (cached.refetchedAt > 0 && this.now() - cached.refetchedAt < this.refetchIntervalMs) throw error;
      const fresh = await this.load(subdomain, this.now());
      if (fresh.pem === cached.pem) throw error;
      return check(fresh.key);
    }
  }

  private entry(subdomain: string): Promise<CachedKey> {
    const known = this.cache.get(subdomain);
    if (known && (known.retryAt === undefined || this.now() < known.retryAt)) return known.loading;
    return this.load(subdomain, 0);
  }

  private load(subdomain: string, refetchedAt: number): Promise<CachedKey> {
    const loading = this.fetchKey(subdomain, refetchedAt);
    const entry: { loading: Promise<CachedKey>; retryAt?: number } = { loading };
    this.cache.delete(subdomain);
    this.cache.set(subdomain, entry);
    if (this.cache.size > this.maxAccounts) this.cache.delete(this.cache.keys().next().value!);
    // A refusal is kept for a while, then asked again: the app may be installed, or Zendesk back, by then.
    loading.catch((error: unknown) => {
      const reason = error instanceof ZendeskKeyUnavailable ? error.reason : 'unreachable';
      entry.retryAt = this.now() + (reason === 'unreachable' ? this.unreachableRetryMs : this.refetchIntervalMs);
    });
    return loading;
  }

  private async fetchKey(subdomain: string, refetchedAt: number): Promise<CachedKey> {
    let pem: string | undefined;
    try {
      pem = await this.options.fetchPem(subdomain);
    } catch (error) {
      throw new ZendeskKeyUnavailable('unreachable', { cause: error });
    }
    if (pem === undefined) throw new ZendeskKeyUnavailable('not_installed');
    try {
      return { pem, key: await importSPKI(pem.trim(), 'RS256'), refetchedAt };
    } catch (error) {
      throw new ZendeskKeyUnavailable('unreadable', { cause: error });
    }
  }
}

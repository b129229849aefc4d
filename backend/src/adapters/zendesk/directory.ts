import { ZendeskDirectoryUnavailable, type ZendeskDirectory, type ZendeskDirectoryUser } from '../../services/identity/zendesk-directory.js';
import { VendorHttpError } from '../http/vendor-http.js';
import { ZendeskApi } from './api.js';
import type { ZendeskClientConfig } from './types.js';

/**
 * Sign-in's view of a Zendesk account over the Support API: Get App Public Key, Show User and the
 * user's group and organization memberships. A 404 means "not there"; every other failure is
 * ZendeskDirectoryUnavailable, carrying the status or the network reason, never a body.
 */
export class ZendeskApiDirectory implements ZendeskDirectory {
  private readonly api: ZendeskApi;

  constructor(config: ZendeskClientConfig) {
    this.api = new ZendeskApi(config);
  }

  async appPublicKey(origin: string, appId: string): Promise<string | undefined> {
    return this.call(() => this.api.getAppPublicKey(origin, appId));
  }

  async user(origin: string, userId: string): Promise<ZendeskDirectoryUser | undefined> {
    const user = await this.call(() => this.api.getUser(origin, userId));
    if (!user) return undefined;
    // End users never get further; their memberships are not worth two more requests.
    if (user.role === 'end-user') return { id: String(user.id), name: user.name, role: user.role, blocked: false, organizations: [], groupIds: [] };
    const [groupIds, organizations] = await Promise.all([
      this.call(() => this.api.userGroupIds(origin, userId)),
      this.call(() => this.api.userOrganizations(origin, userId)),
    ]);
    const orgs = new Map((organizations ?? []).map((o) => [String(o.id), o.name]));
    if (user.organization_id != null && !orgs.has(String(user.organization_id))) orgs.set(String(user.organization_id), null);
    const groups = new Set((groupIds ?? []).map(String));
    if (user.default_group_id != null) groups.add(String(user.default_group_id));
    return {
      id: String(user.id),
      name: user.name,
      role: user.role,
      blocked: user.suspended === true || user.active === false,
      organizations: [...orgs].map(([id, name]) => ({ id, name })),
      groupIds: [...groups],
    };
  }

  private async call<T>(request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof VendorHttpError && error.status === 404) return undefined;
      const reason = error instanceof Error ? error.message : 'unknown failure';
      throw new ZendeskDirectoryUnavailable(`Zendesk ${reason}`, { cause: error });
    }
  }
}

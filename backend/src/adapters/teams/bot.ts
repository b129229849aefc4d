import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { createConnectorTransport } from './connector-transport.js';

export interface TeamsBotConfig {
  /**
   * The bot's Entra ID app id (Azure Bot registration). Absent: inbound activities
   * are not authenticated and outbound calls carry no token, which only a local
   * Bot Framework Emulator or a test connector accepts. Never run so in production.
   */
  appId?: string;
  appPassword?: string;
  /** How the app id authenticates: MultiTenant (default), SingleTenant or UserAssignedMSI. */
  appType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  /** Required for SingleTenant and UserAssignedMSI. */
  appTenantId?: string;
  /** Per request to the Bot Connector; keep well under the outbox lease. */
  connectorTimeoutMs?: number;
}

/** One CloudAdapter per process, shared by the inbound endpoint and outbox delivery. */
export interface TeamsBot {
  adapter: CloudAdapter;
  /** '' when auth is off; continueConversationAsync needs it either way. */
  appId: string;
  authEnabled: boolean;
}

export class TeamsBotConfigError extends Error {
  override readonly name = 'TeamsBotConfigError';
}

export function createTeamsBot(config: TeamsBotConfig): TeamsBot {
  const appId = config.appId?.trim() ?? '';
  const appType = config.appType ?? 'MultiTenant';
  if (appId) {
    // botbuilder would accept these and fail on the first outbound token request instead.
    if (appType !== 'UserAssignedMSI' && !config.appPassword) throw new TeamsBotConfigError(`a ${appType} bot needs its app password`);
    if (appType !== 'MultiTenant' && !config.appTenantId) throw new TeamsBotConfigError(`a ${appType} bot needs its app tenant id`);
  }
  // With a MicrosoftAppId, CloudAdapter verifies every inbound request as a Bot
  // Framework JWT (issuer, audience = app id, signing keys, serviceUrl claim) and
  // answers 401 otherwise; without one it skips verification entirely.
  const auth = new ConfigurationBotFrameworkAuthentication(
    appId
      ? {
          MicrosoftAppId: appId,
          MicrosoftAppPassword: config.appPassword,
          MicrosoftAppType: appType,
          MicrosoftAppTenantId: config.appTenantId,
        }
      : {},
    undefined,
    undefined,
    undefined,
    { httpClient: createConnectorTransport({ timeoutMs: config.connectorTimeoutMs ?? 15_000 }) },
  );
  return { adapter: new CloudAdapter(auth), appId, authEnabled: appId !== '' };
}

import { createRequire } from 'node:module';
import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity } from 'botbuilder';
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
  /** OpenID metadata announcing the keys Bot Framework signs with; absent: Microsoft's public cloud. */
  openIdMetadataUrl?: string;
  /** `iss` of Bot Framework tokens; absent: https://api.botframework.com. */
  tokenIssuer?: string;
  /** OpenID metadata for Emulator and skill tokens; absent: Microsoft's public cloud. */
  emulatorOpenIdMetadataUrl?: string;
}

/** Microsoft's public cloud, as botframework-connector's AuthenticationConstants name it. */
const PUBLIC_CLOUD = {
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: CallerIdConstants.PublicAzureChannel,
  ValidateAuthority: true,
};

/**
 * The connector package botbuilder itself loaded, so CloudAdapter's `instanceof AuthenticationError`
 * holds for errors raised here.
 */
const connector = createRequire(createRequire(import.meta.url).resolve('botbuilder'))('botframework-connector') as typeof import('botframework-connector');

/**
 * botbuilder's verification, with one correction: a token whose signature does not verify comes out
 * of it as a plain jsonwebtoken error, which CloudAdapter answers 500 with the error text. Every
 * failure to authenticate a request is an AuthenticationError here, which CloudAdapter answers 401.
 */
class VerifyingBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string) {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      if (error instanceof connector.AuthenticationError) throw error;
      throw new connector.AuthenticationError('Unauthorized. The token could not be verified.', 401);
    }
  }
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
  // Overriding one endpoint means giving botbuilder the whole set: it takes any override as a full configuration.
  const endpoints =
    config.openIdMetadataUrl || config.tokenIssuer || config.emulatorOpenIdMetadataUrl
      ? {
          ...PUBLIC_CLOUD,
          ToBotFromChannelOpenIdMetadataUrl: config.openIdMetadataUrl ?? PUBLIC_CLOUD.ToBotFromChannelOpenIdMetadataUrl,
          ToBotFromChannelTokenIssuer: config.tokenIssuer ?? PUBLIC_CLOUD.ToBotFromChannelTokenIssuer,
          ToBotFromEmulatorOpenIdMetadataUrl: config.emulatorOpenIdMetadataUrl ?? PUBLIC_CLOUD.ToBotFromEmulatorOpenIdMetadataUrl,
        }
      : {};
  const auth = new VerifyingBotFrameworkAuthentication(
    appId
      ? {
          MicrosoftAppId: appId,
          MicrosoftAppPassword: config.appPassword,
          MicrosoftAppType: appType,
          MicrosoftAppTenantId: config.appTenantId,
          ...endpoints,
        }
      : {},
    undefined,
    undefined,
    undefined,
    { httpClient: createConnectorTransport({ timeoutMs: config.connectorTimeoutMs ?? 15_000 }) },
  );
  return { adapter: new CloudAdapter(auth), appId, authEnabled: appId !== '' };
}

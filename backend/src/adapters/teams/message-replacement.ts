import type { ConversationReference } from 'botbuilder';
import { ChatReplacementRefused, type ChatMessageReplacement } from '../../ports/chat-message-replacement.js';
import type { TeamsDelivererConfig } from './deliverer.js';

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

/**
 * Replaces the bot's messages in a Teams chat through the Bot Connector (update activity:
 * `PUT /v3/conversations/{id}/activities/{activityId}`), as a proactive turn like the deliverer's.
 */
export class TeamsMessageReplacement implements ChatMessageReplacement {
  constructor(private readonly config: TeamsDelivererConfig) {}

  async replaceMessages(tenantId: string, conversationId: string, messageIds: readonly string[], text: string) {
    const reference = await this.config.referenceFor(tenantId, conversationId);
    if (!reference) throw new ChatReplacementRefused('the bot is no longer in this chat');
    let replaced = 0;
    let missing = 0;
    let refused: unknown;
    await this.config.bot.adapter.continueConversationAsync(this.config.bot.appId, reference as Partial<ConversationReference>, async (context) => {
      for (const id of messageIds) {
        try {
          await context.updateActivity({ id, type: 'message', text, attachments: [] });
          replaced += 1;
        } catch (error) {
          const status = statusOf(error);
          if (status === 404) missing += 1;
          else if (status === 401 || status === 403) refused = error;
          else throw error;
        }
      }
    });
    if (refused) throw new ChatReplacementRefused(`Teams refused the change (${statusOf(refused)})`);
    return { replaced, missing };
  }
}

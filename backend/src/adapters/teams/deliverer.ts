/**
 * Delivers outbox activities (the consent card, the call's events) into Teams
 * chats as proactive bot messages.
 *
 * At least once, not exactly once: the Bot Connector takes no idempotency key and
 * the bot cannot read a chat's history to check, so an attempt that reached Teams
 * but whose answer was lost (timeout, 502) is sent again. A second consent card is
 * harmless, since its link decides only once; a repeated event line is noise.
 */
import type { Activity, ConversationReference } from 'botbuilder';
import { z } from 'zod';
import type { DeliveryResult, OutboxDeliverer, OutboxEnvelope } from '../../ports/outbox-delivery.js';
import type { TeamsBot } from './bot.js';
import { VendorHttpError, VendorUnreachableError } from '../http/vendor-http.js';

/** The part of a conversation reference a proactive send reads. */
export interface ProactiveReference {
  channelId: string;
  serviceUrl: string;
  conversation: { id: string; tenantId?: string; conversationType?: string; isGroup?: boolean };
  bot: { id: string; name?: string };
  user?: { id: string };
  locale?: string;
}

export interface TeamsDelivererConfig {
  bot: Pick<TeamsBot, 'adapter' | 'appId'>;
  /** The chat's stored reference; undefined when the bot has not been added to it. */
  referenceFor(tenantId: string, conversationId: string): Promise<ProactiveReference | undefined>;
}

const teamsActivityPayload = z.object({
  conversationId: z.string().min(1).max(1000),
  /** The id of a message the bot sent earlier, to be replaced by this one (update activity). */
  replaces: z.string().min(1).max(1000).optional(),
  activity: z.looseObject({ type: z.string().min(1) }),
});

/** Failures become outbox outcomes; unknown errors are thrown on, and the worker retries them. */
export function deliveryResultFor(error: unknown): DeliveryResult {
  if (error instanceof VendorHttpError) {
    const what = `Bot Connector ${error.message}`;
    // Only a 429 is certain to have been refused unprocessed, which is what retryAfterMs tells the worker.
    if (error.status === 429) return { outcome: 'retry', error: what, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
    if (error.status >= 500 || error.status === 408) return { outcome: 'retry', error: what };
    // 403: the bot was removed from the chat; 404: the chat is gone; 400/401/413: ours to fix, not to repeat.
    return { outcome: 'rejected', error: what };
  }
  if (error instanceof VendorUnreachableError) return { outcome: 'retry', error: `Bot Connector ${error.message}` };
  throw error;
}

export class TeamsActivityDeliverer implements OutboxDeliverer<'teams.activity'> {
  constructor(private readonly config: TeamsDelivererConfig) {}

  async deliver(message: OutboxEnvelope<'teams.activity'>): Promise<DeliveryResult> {
    const payload = teamsActivityPayload.safeParse(message.payload);
    if (!payload.success) {
      return { outcome: 'rejected', error: `payload is not a Teams activity (${payload.error.issues[0]?.path.join('.') ?? '?'})` };
    }
    const reference = await this.config.referenceFor(message.tenantId, payload.data.conversationId);
    if (!reference) {
      // The agent may escalate moments before Teams tells us the bot joined; after the
      // worker's attempts run out, the message is dead-lettered and can be retried by hand.
      return { outcome: 'retry', error: 'no conversation reference: the bot is not (yet) in this chat' };
    }

    let failure: unknown;
    let activityId: string | undefined;
    try {
      // botbuilder's ConversationReference type demands names and flags the send never reads.
      const continuation = reference as Partial<ConversationReference>;
      await this.config.bot.adapter.continueConversationAsync(this.config.bot.appId, continuation, async (context) => {
        // A proactive message starts a new message; without this botbuilder posts it as a
        // reply to the synthetic continuation event's random id.
        context.onSendActivities(async (_context, activities, next) => {
          for (const activity of activities) delete activity.replyToId;
          return next();
        });
        try {
          const { replaces } = payload.data;
          if (replaces) {
            await context.updateActivity({ ...(payload.data.activity as Partial<Activity>), id: replaces });
            activityId = replaces;
          } else {
            activityId = (await context.sendActivity(payload.data.activity as Partial<Activity>))?.id;
          }
        } catch (error) {
          failure = error;
        }
      });
    } catch (error) {
      failure = error;
    }
    return failure === undefined ? { outcome: 'delivered', ...(activityId ? { vendorMessageId: activityId } : {}) } : deliveryResultFor(failure);
  }
}

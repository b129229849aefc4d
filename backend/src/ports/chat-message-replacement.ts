/** Replaces messages Parley's bot posted in a chat (Teams), e.g. when the person they concern is erased. */
export interface ChatMessageReplacement {
  /**
   * Replaces each of the bot's messages (by the id the chat gave it) with `text`. `missing` counts
   * messages the chat no longer has (deleted by someone); an outage throws, so the caller retries.
   */
  replaceMessages(tenantId: string, conversationId: string, messageIds: readonly string[], text: string): Promise<{ replaced: number; missing: number }>;
}

/** The chat will not take the change (the bot was removed from it, or is not allowed): reported, not retried. */
export class ChatReplacementRefused extends Error {
  override readonly name = 'ChatReplacementRefused';
}

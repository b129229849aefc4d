import { z } from 'zod';

/** An app key of the Sunshine Conversations app: basic auth `{keyId}:{secret}`. */
export interface SuncoAuth {
  keyId: string;
  secret: string;
}

export interface SuncoClientConfig {
  auth: SuncoAuth;
  appId: string;
  /** Per request, including reading the body. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface SuncoDelivererConfig extends SuncoClientConfig {
  /**
   * Where the tenant's Sunshine Conversations API lives, without `/v2`: for Zendesk
   * messaging `https://{subdomain}.zendesk.com/sc` (a local fake in tests and the demo).
   */
  baseUrlFor(tenantId: string): Promise<string> | string;
}

/** Conversation ids go into a URL path: only the characters SunCo ids are made of. */
export const conversationIdSchema = z.string().regex(/^[\w-]{1,200}$/, 'not a conversation id');

export const linkActionSchema = z.object({ type: z.literal('link'), text: z.string().min(1).max(128), uri: z.url({ protocol: /^https?$/ }) });
export const postbackActionSchema = z.object({ type: z.literal('postback'), text: z.string().min(1).max(128), payload: z.string().min(1).max(1000) });
export const actionSchema = z.discriminatedUnion('type', [linkActionSchema, postbackActionSchema]);
export type SuncoAction = z.infer<typeof actionSchema>;

/** What the outbox carries for `sunco.message`, checked before use: rows outlive code. */
export const suncoMessagePayloadSchema = z.object({
  conversationId: conversationIdSchema,
  text: z.string().min(1).max(4096),
  actions: z.array(actionSchema).max(10).optional(),
});

/** Metadata is flat strings, numbers and booleans. */
const metadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Body of Post Message for a business text message. */
export const messagePostSchema = z.object({
  author: z.object({ type: z.literal('business'), displayName: z.string().optional() }),
  content: z.object({ type: z.literal('text'), text: z.string().min(1), actions: z.array(actionSchema).optional() }),
  metadata: metadataSchema.optional(),
});
export type SuncoMessagePost = z.infer<typeof messagePostSchema>;

/** A message as SunCo returns it; only what Parley reads is required. */
export const messageSchema = z.object({
  id: z.string(),
  received: z.string().optional(),
  author: z.object({ type: z.enum(['business', 'user']) }).loose(),
  content: z.object({ type: z.string() }).loose(),
  metadata: metadataSchema.nullish(),
});
export type SuncoMessage = z.infer<typeof messageSchema>;

export const messagePostResponseSchema = z.object({ messages: z.array(messageSchema).min(1) });

/** List Messages answers the most recent page first, with a cursor to older ones. */
export const messageListResponseSchema = z.object({
  messages: z.array(messageSchema),
  meta: z.object({ hasMore: z.boolean().optional(), beforeCursor: z.string().optional(), afterCursor: z.string().optional() }).optional(),
});

/** SunCo's error body. Only the code is kept: titles can quote the rejected content back. */
export const errorBodySchema = z.object({ errors: z.array(z.object({ code: z.string(), title: z.string().optional() })).min(1) });

/** One event of a v2 webhook call; `payload` is read per type. */
export const webhookEventSchema = z.object({
  id: z.string().min(1).max(200),
  createdAt: z.string(),
  type: z.string().min(1).max(100),
  payload: z.unknown(),
});
export type SuncoWebhookEvent = z.infer<typeof webhookEventSchema>;

/** The body SunCo POSTs to a v2 webhook target. */
export const webhookBodySchema = z.object({
  app: z.object({ id: z.string().min(1) }),
  webhook: z.object({ id: z.string().min(1), version: z.string() }),
  events: z.array(webhookEventSchema),
});
export type SuncoWebhookBody = z.infer<typeof webhookBodySchema>;

/** `conversation:postback`: the button the user pressed, and where. */
export const postbackEventPayloadSchema = z.object({
  conversation: z.object({ id: conversationIdSchema, type: z.string().optional() }).loose(),
  postback: z.object({ payload: z.string().max(1000) }).loose(),
  user: z.object({ id: z.string() }).loose().optional(),
  source: z.object({ type: z.string() }).loose().optional(),
});
export type SuncoPostbackEventPayload = z.infer<typeof postbackEventPayloadSchema>;

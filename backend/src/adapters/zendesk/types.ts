import { z } from 'zod';

/** API token (`{email}/token:{apiToken}` basic auth) or an OAuth access token. */
export type ZendeskAuth = { email: string; apiToken: string } | { oauthToken: string };

export interface ZendeskClientConfig {
  auth: ZendeskAuth;
  /** Per request, including reading the body. */
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface ZendeskDelivererConfig extends ZendeskClientConfig {
  /** The account's API origin, e.g. https://acme.zendesk.com (a local fake in tests and the demo). */
  baseUrlFor(tenantId: string): Promise<string> | string;
}

/** Ticket ids are positive integers; anything else must never reach a URL path. */
export const ticketIdSchema = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a Zendesk ticket id is a positive integer');

/** What the outbox carries for `zendesk.ticket_comment`, checked before use: rows outlive code. */
export const ticketCommentPayloadSchema = z.object({
  ticketId: ticketIdSchema,
  body: z.string().min(1),
  public: z.boolean(),
});

/** Body of Update Ticket when it only adds a comment. */
export const updateTicketRequestSchema = z.object({
  ticket: z.object({
    comment: z.object({ body: z.string().min(1), public: z.boolean().default(true) }),
  }),
});
export type UpdateTicketRequest = z.infer<typeof updateTicketRequestSchema>;

export const commentSchema = z.object({
  id: z.number().int(),
  type: z.string().optional(),
  author_id: z.number().int().nullish(),
  body: z.string().nullish(),
  html_body: z.string().nullish(),
  plain_body: z.string().nullish(),
  public: z.boolean(),
  created_at: z.string(),
});
export type ZendeskComment = z.infer<typeof commentSchema>;
/** The answer of Redact Ticket Comment In Agent Workspace. */
export const commentResponseSchema = z.object({ comment: commentSchema });

/** Offset pagination answers `next_page`; cursor pagination answers `meta.has_more` and `links.next`. */
export const commentsPageSchema = z.object({
  comments: z.array(commentSchema),
  next_page: z.string().nullish(),
  meta: z.object({ has_more: z.boolean() }).nullish(),
  links: z.object({ next: z.string().nullish() }).nullish(),
});
export type ZendeskCommentsPage = z.infer<typeof commentsPageSchema>;

export const ticketSchema = z.object({
  id: z.number().int(),
  subject: z.string().nullish(),
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ZendeskTicket = z.infer<typeof ticketSchema>;

export const ticketResponseSchema = z.object({ ticket: ticketSchema });

/**
 * Zendesk's error bodies come in several shapes. Only the short code is kept:
 * `details` can quote the rejected content back.
 */
export const errorBodySchema = z.object({
  error: z.union([z.string(), z.object({ title: z.string().optional(), message: z.string().optional() })]).optional(),
  description: z.string().optional(),
});

/** Zendesk ids in paths: positive integers. */
export const zendeskIdSchema = z.string().regex(/^[1-9][0-9]{0,18}$/, 'a Zendesk id is a positive integer');

/** Show User: only what sign-in needs; Zendesk sends many more fields. */
export const userSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  role: z.enum(['admin', 'agent', 'end-user']),
  active: z.boolean().optional(),
  suspended: z.boolean().nullish(),
  organization_id: z.number().int().nullish(),
  default_group_id: z.number().int().nullish(),
});
export type ZendeskUser = z.infer<typeof userSchema>;
export const userResponseSchema = z.object({ user: userSchema });

export const groupMembershipSchema = z.object({ id: z.number().int(), user_id: z.number().int(), group_id: z.number().int() });
export const organizationMembershipSchema = z.object({
  id: z.number().int(),
  user_id: z.number().int(),
  organization_id: z.number().int(),
  organization_name: z.string().nullish(),
});

/** List endpoints page with `next_page` (offset) or `meta.has_more` + `links.next` (cursor). */
const pageLinks = {
  next_page: z.string().nullish(),
  meta: z.object({ has_more: z.boolean() }).nullish(),
  links: z.object({ next: z.string().nullish() }).nullish(),
};
export const groupMembershipsPageSchema = z.object({ group_memberships: z.array(groupMembershipSchema), ...pageLinks });
export const organizationMembershipsPageSchema = z.object({ organization_memberships: z.array(organizationMembershipSchema), ...pageLinks });

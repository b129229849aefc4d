import ZAFClient, { type ZafClient, type ZafContext } from 'zendesk_app_framework_sdk';

export interface ZendeskPerson {
  id: number;
  name: string;
  email?: string;
  locale?: string;
  /** Zendesk's role of the current user ('agent', 'admin'; the demo page also says 'supervisor'). */
  role?: string;
}

export interface TicketContext {
  context: ZafContext;
  ticketId: number;
  requester: ZendeskPerson;
  agent: ZendeskPerson;
  /** The ticket's organization: the client whose agents may see this ticket's calls and recordings. */
  organization: { id: number; name?: string } | null;
}

/** How long to wait for the host before telling the agent something is wrong. */
const HOST_TIMEOUT_MS = 10_000;

/** Null when the page was opened outside a Zendesk host (no origin/app_guid). */
export function connectToZendesk(): ZafClient | null {
  return ZAFClient.init() || null;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Zendesk did not answer (${what}). Reload the ticket.`)), HOST_TIMEOUT_MS);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function asPerson(value: unknown, path: string): ZendeskPerson {
  if (typeof value !== 'object' || value === null) throw new Error(`Zendesk returned no ${path}`);
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'number' || typeof v.name !== 'string') throw new Error(`Zendesk returned an unexpected ${path}`);
  return {
    id: v.id,
    name: v.name,
    email: typeof v.email === 'string' ? v.email : undefined,
    locale: typeof v.locale === 'string' ? v.locale : undefined,
    role: typeof v.role === 'string' ? v.role : undefined,
  };
}

export async function loadTicketContext(client: ZafClient): Promise<TicketContext> {
  const context = await withTimeout(client.context(), 'context');
  const paths = ['ticket.id', 'ticket.requester', 'currentUser'];
  const data = await withTimeout(client.get(paths), 'ticket data');
  const failed = Object.keys(data.errors ?? {});
  if (failed.length > 0) throw new Error(`Zendesk could not provide ${failed.join(', ')}`);

  const ticketId = data['ticket.id'];
  if (typeof ticketId !== 'number') throw new Error('This app only works inside a ticket');
  return {
    context,
    ticketId,
    requester: asPerson(data['ticket.requester'], 'ticket requester'),
    agent: asPerson(data.currentUser, 'current user'),
    organization: await loadOrganization(client),
  };
}

/** A ticket without an organization is normal; Zendesk then answers with nothing or an error for the path. */
async function loadOrganization(client: ZafClient): Promise<TicketContext['organization']> {
  const data = await withTimeout(client.get('ticket.organization'), 'ticket organization');
  const value = data['ticket.organization'] as { id?: unknown; name?: unknown } | null | undefined;
  if (!value || typeof value.id !== 'number') return null;
  return { id: value.id, name: typeof value.name === 'string' ? value.name : undefined };
}

/**
 * Keeps the host's iframe as tall as the app's content, so the sidebar never
 * shows a second scrollbar inside Zendesk's own.
 */
export function fitFrameToContent(client: ZafClient, content: HTMLElement): void {
  let lastHeight = -1;
  // ResizeObserver already batches to one callback per rendered frame.
  new ResizeObserver(() => {
    const height = Math.ceil(content.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    client.invoke('resize', { width: '100%', height: `${height}px` }).catch(() => {
      // A host that cannot resize still shows the app, with a scrollbar.
    });
  }).observe(content);
}

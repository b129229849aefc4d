import { byId } from '../dom';
import { poll } from '../poll';
import { DEMO_SUPERVISOR, DEMO_TICKET, TicketView, type VendorComment } from './ticket';
import { hostZafApp } from './zaf-host';

/** Where the backend serves the built sidebar. */
const SIDEBAR_PATH = '/app/sidebar.html';
const MIN_FRAME_HEIGHT = 120;
const MAX_FRAME_HEIGHT = 2000;

/**
 * A v4 UUID. crypto.randomUUID exists only in secure contexts, and the demo may
 * be served over plain http on a test network.
 */
function randomUuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Accepts what apps pass to `resize`: 320, '320', '320px'. */
function frameHeight(size: unknown): number | null {
  if (typeof size !== 'object' || size === null) return null;
  const height = Number.parseFloat(String((size as { height?: unknown }).height));
  if (!Number.isFinite(height)) return null;
  return Math.min(MAX_FRAME_HEIGHT, Math.max(MIN_FRAME_HEIGHT, Math.ceil(height)));
}

const ticket = new TicketView();
const deskUser = new URLSearchParams(location.search).get('as') === 'supervisor' ? DEMO_SUPERVISOR : DEMO_TICKET.agent;
if (deskUser === DEMO_SUPERVISOR) {
  const other = byId('switch-desk-user', HTMLAnchorElement);
  other.href = location.pathname;
  other.textContent = `See this ticket as ${DEMO_TICKET.agent.name}`;
}
const frame = byId('sidebar-frame', HTMLIFrameElement);
const appGuid = randomUuid();
const origin = location.origin;

hostZafApp({
  frame,
  appOrigin: origin,
  appGuid,
  registration: {
    metadata: {
      appId: 900001,
      installationId: 700001,
      name: 'Parley',
      version: '0.1.0',
      settings: { parley_url: origin },
    },
    context: {
      instanceGuid: appGuid,
      product: 'support',
      location: 'ticket_sidebar',
      host: 'zendesk',
      account: { subdomain: 'demo' },
      ticketId: DEMO_TICKET.id,
    },
  },
  data: () => ({
    ticket: {
      id: DEMO_TICKET.id,
      subject: DEMO_TICKET.subject,
      requester: { ...DEMO_TICKET.requester },
      organization: { ...DEMO_TICKET.organization },
    },
    currentUser: { ...deskUser },
    currentAccount: { subdomain: 'demo' },
  }),
  actions: {
    resize: (size) => {
      const height = frameHeight(size);
      if (height !== null) frame.style.height = `${height}px`;
    },
    'comment.appendText': (text) => {
      if (typeof text !== 'string') throw new Error('expects a text argument');
      ticket.appendToReply(text);
    },
  },
});

// Listener first, then the URL: the app's handshake fires as soon as it loads.
const src = new URL(SIDEBAR_PATH, origin);
src.searchParams.set('origin', origin);
src.searchParams.set('app_guid', appGuid);
frame.src = src.toString();

// Parley writes into the ticket through Zendesk's API; in the demo that API is an
// in-process fake, and this page shows what it received.
const shown = new Set<number>();
poll(
  async () => {
    const response = await fetch(`/api/demo/tickets/${DEMO_TICKET.id}/comments`);
    if (!response.ok) return;
    const { comments } = (await response.json()) as { comments: VendorComment[] };
    for (const comment of comments) {
      if (shown.has(comment.id)) continue;
      shown.add(comment.id);
      ticket.showComment(comment);
    }
  },
  1000,
  () => {},
);

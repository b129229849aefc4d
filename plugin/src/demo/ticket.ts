import { byId } from '../dom';
import { linkify } from './linkify';

export interface DemoPerson {
  id: number;
  name: string;
  email: string;
  locale: string;
}

/** Who may sit at the demo desk: the ticket's agent, or a supervisor who may listen in to its calls. */
export type DemoRole = 'agent' | 'supervisor';

export interface DemoTicket {
  id: number;
  subject: string;
  requester: DemoPerson;
  agent: DemoPerson & { role: DemoRole };
  /** The client: agents of this organization see the ticket's calls and recordings. */
  organization: { id: number; name: string };
}

export const DEMO_TICKET: DemoTicket = {
  id: 4711,
  subject: 'Router drops the connection every evening',
  requester: { id: 90210, name: 'Alex Customer', email: 'alex@example.com', locale: 'en-US' },
  agent: { id: 1234, name: 'Dana Agent', email: 'dana@example.com', role: 'agent', locale: 'en-US' },
  organization: { id: 360001, name: 'Northwind Broadband' },
};

/** `/demo?as=supervisor`: the same ticket seen by a team supervisor. */
export const DEMO_SUPERVISOR: DemoTicket['agent'] = { id: 1300, name: 'Sam Supervisor', email: 'sam@example.com', role: 'supervisor', locale: 'en-US' };

type Author = 'customer' | 'agent' | 'note';

const OPENING: Array<{ author: Author; text: string; minutesAgo: number }> = [
  {
    author: 'customer',
    text: 'Hi, since Monday my router loses the connection every evening around 8pm. The light turns orange and I have to restart it.',
    minutesAgo: 42,
  },
  {
    author: 'agent',
    text: 'Thanks Alex, sorry about that. Could you tell me which lights are on when it happens?',
    minutesAgo: 35,
  },
  {
    author: 'customer',
    text: 'Power and DSL are on, the internet light blinks orange. It is easier to show you than to describe it.',
    minutesAgo: 31,
  },
];

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

function authorName(author: Author): string {
  if (author === 'note') return 'Parley · internal note';
  return author === 'customer' ? DEMO_TICKET.requester.name : DEMO_TICKET.agent.name;
}

/** A comment as Zendesk's API returns it (here: the backend's in-process fake Zendesk). */
export interface VendorComment {
  id: number;
  body: string;
  public: boolean;
  created_at: string;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((part) => part[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

/** The fake ticket: header, conversation, reply composer and the customer's chat pane. */
export class TicketView {
  private readonly thread = byId('ticket-thread', HTMLOListElement);
  private readonly chat = byId('customer-chat', HTMLOListElement);
  private readonly composer = byId('reply-composer', HTMLTextAreaElement);
  private readonly sendButton = byId('send-to-customer', HTMLButtonElement);

  constructor() {
    byId('ticket-number', HTMLElement).textContent = `Ticket #${DEMO_TICKET.id}`;
    byId('ticket-subject', HTMLElement).textContent = DEMO_TICKET.subject;
    byId('ticket-requester', HTMLElement).textContent = `${DEMO_TICKET.requester.name} <${DEMO_TICKET.requester.email}>`;
    byId('reply-label', HTMLElement).textContent = `Public reply to ${DEMO_TICKET.requester.name}`;

    for (const message of OPENING) {
      const at = new Date(Date.now() - message.minutesAgo * 60_000);
      this.addToThread(message.author, message.text, at);
      this.addToChat(message.author, message.text, at);
    }

    this.composer.addEventListener('input', () => this.syncSendButton());
    byId('composer', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      this.send();
    });
  }

  /** What `comment.appendText` does in Zendesk: adds to the draft, never sends it. */
  appendToReply(text: string): void {
    const draft = this.composer.value;
    this.composer.value = draft === '' || /\s$/.test(draft) ? draft + text : `${draft}\n${text}`;
    this.syncSendButton();
    this.composer.classList.add('is-updated');
    setTimeout(() => this.composer.classList.remove('is-updated'), 1200);
  }

  /** Shows what Parley wrote into the ticket: public replies reach the customer, internal notes only agents. */
  showComment(comment: VendorComment): void {
    const at = new Date(comment.created_at);
    if (comment.public) {
      this.addToThread('agent', comment.body, at);
      this.addToChat('agent', comment.body, at);
    } else {
      this.addToThread('note', comment.body, at);
    }
  }

  private syncSendButton(): void {
    this.sendButton.disabled = this.composer.value.trim() === '';
  }

  private send(): void {
    const text = this.composer.value.trim();
    if (text === '') return;
    const now = new Date();
    this.addToThread('agent', text, now);
    this.addToChat('agent', text, now);
    this.composer.value = '';
    this.syncSendButton();
  }

  private addToThread(author: Author, text: string, at: Date): void {
    const item = document.createElement('li');
    item.className = `thread-item thread-item--${author}`;

    const avatar = document.createElement('span');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.textContent = initials(authorName(author));

    const body = document.createElement('div');
    body.className = 'thread-body';
    const meta = document.createElement('p');
    meta.className = 'thread-meta';
    const who = document.createElement('strong');
    who.textContent = authorName(author);
    const when = document.createElement('time');
    when.dateTime = at.toISOString();
    when.textContent = timeFormat.format(at);
    meta.append(who, ' ', when);
    const paragraph = document.createElement('p');
    paragraph.className = 'thread-text';
    paragraph.append(linkify(text, (link) => (link.dataset.testid = 'thread-link')));
    body.append(meta, paragraph);

    item.append(avatar, body);
    this.thread.append(item);
  }

  private addToChat(author: Author, text: string, at: Date): void {
    // The customer's widget shows the business side as "Support", not the agent's full name.
    const item = document.createElement('li');
    item.className = `chat-message chat-message--${author === 'customer' ? 'mine' : 'theirs'}`;
    const bubble = document.createElement('p');
    bubble.className = 'chat-bubble';
    bubble.append(linkify(text, (link) => (link.dataset.testid = 'customer-chat-link')));
    const meta = document.createElement('p');
    meta.className = 'chat-meta';
    meta.textContent = `${author === 'customer' ? 'You' : 'Support'} · ${timeFormat.format(at)}`;
    item.append(bubble, meta);
    this.chat.append(item);
    this.chat.scrollTop = this.chat.scrollHeight;
  }
}

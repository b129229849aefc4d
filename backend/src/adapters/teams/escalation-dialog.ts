/**
 * The agent's side of escalating a Teams chat: the dialog the "Escalate to video" message
 * extension opens (pick a meeting type and, in a chat with several people, the customer), and
 * what it shows once the call is offered. Pure JSON builders, like the consent card.
 */
import type { AdaptiveCard } from './consent-card.js';

export const ESCALATE_COMMAND = 'escalateToVideo';

export interface EscalationChoice {
  id: string;
  name: string;
}

export interface EscalationDialogInput {
  meetingTypes: readonly (EscalationChoice & { description: string })[];
  /** The people in the chat other than the agent and the bot. */
  customers: readonly EscalationChoice[];
}

/** What the dialog posts back: the two choices, as Teams merges inputs into the submit data. */
export interface EscalationDialogAnswer {
  meetingTypeId: string;
  customer: string;
}

const card = (body: unknown[], actions: unknown[]): AdaptiveCard => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  ...(actions.length ? { actions } : {}),
});

const text = (value: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text: value, wrap: true, ...extra });

export function escalationDialog(input: EscalationDialogInput): AdaptiveCard {
  const [onlyCustomer] = input.customers;
  const body: unknown[] = [
    text('The customer gets the privacy notice in this chat and decides there whether to join. Nothing starts before they agree.'),
    {
      type: 'Input.ChoiceSet',
      id: 'meetingTypeId',
      label: 'Meeting type',
      isRequired: true,
      errorMessage: 'Choose a meeting type.',
      style: 'expanded',
      choices: input.meetingTypes.map((type) => ({ title: `${type.name} (${type.description})`, value: type.id })),
      ...(input.meetingTypes.length === 1 ? { value: input.meetingTypes[0]!.id } : {}),
    },
    {
      type: 'Input.ChoiceSet',
      id: 'customer',
      label: 'Offer the call to',
      isRequired: true,
      errorMessage: 'Choose the customer.',
      style: 'expanded',
      choices: input.customers.map((person) => ({ title: person.name, value: person.id })),
      ...(input.customers.length === 1 ? { value: onlyCustomer!.id } : {}),
    },
  ];
  return card(body, [{ type: 'Action.Submit', title: 'Escalate to video', data: { command: ESCALATE_COMMAND } }]);
}

/** After escalating: what was sent, and the agent's own way into the call. */
export function escalationOffered(offer: { customerName: string; meetingTypeName: string; agentLink: string }): AdaptiveCard {
  return card(
    [
      text('Video call offered', { weight: 'Bolder', size: 'Medium', style: 'heading' }),
      text(`${offer.customerName} was sent the privacy notice and the consent request for a ${offer.meetingTypeName} in this chat. The call starts once they agree and join.`),
      text('Open the call now: you wait there until they join. The link works once.', { isSubtle: true }),
    ],
    [{ type: 'Action.OpenUrl', title: 'Open call', url: offer.agentLink }],
  );
}

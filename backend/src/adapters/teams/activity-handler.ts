import {
  CardFactory,
  TeamsActivityHandler,
  TeamsInfo,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationReference,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  type TaskModuleRequest,
  type TaskModuleResponse,
  type TeamsChannelAccount,
} from 'botbuilder';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { pickLanguage } from '../../services/notices/language.js';
import { locales, type ShippedLanguage } from '../../services/notices/locales/index.js';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  CONSENT_VERB,
  MESSAGE_CONTENT_TYPE,
  REFRESH_VERB,
  consentCard,
  resultCard,
  type AdaptiveCard,
  type ConsentCardInput,
  type ConsentCardResult,
} from './consent-card.js';
import { ESCALATE_COMMAND, escalationDialog, escalationOffered, type EscalationChoice, type EscalationDialogInput } from './escalation-dialog.js';
import { playRecordingRequest, recordingDialog } from './recording-card.js';

export interface ConsentDecisionRequest {
  token: string;
  noticeVersionId: string;
  join: boolean;
  /** Undefined when the card asked nothing about recording, or the customer did not answer. */
  recording: boolean | undefined;
  /** The language to answer in when the link itself cannot tell (expired, unknown). */
  language: ShippedLanguage;
  /** Who pressed: in a group chat, not necessarily the customer. */
  from: { id: string | undefined; aadObjectId: string | undefined };
  /**
   * Whether the answer is posted where everyone in the chat sees it: the Action.Submit fallback
   * in a group chat or channel. An Action.Execute answer goes to the presser's client alone.
   */
  answerSeenByAll: boolean;
}

export type ConsentDecisionAnswer =
  | ConsentCardResult
  /** Show the consent card again, e.g. a question was left unanswered or the notice changed. */
  | { kind: 'ask_again'; card: ConsentCardInput }
  /** Someone other than the customer pressed it; the card stays as it is for everyone. */
  | { kind: 'not_for_you'; language: ShippedLanguage };

/** Who asked to escalate a Teams chat, and where: as the Bot Framework Service vouches for it. */
export interface ChatEscalationContext {
  teamsTenantId: string;
  conversationId: string;
  /** The agent's Entra object id. */
  agentObjectId: string;
  /** The people in the chat other than the agent and the bot. */
  members: readonly (EscalationChoice & { objectId: string | undefined; email: string | undefined })[];
}

/** The dialog to show, or why the agent cannot escalate from here (said in the dialog). */
export type EscalationOptions = { kind: 'dialog'; dialog: EscalationDialogInput } | { kind: 'refused'; message: string };

export type EscalationOutcome =
  | { kind: 'offered'; customerName: string; meetingTypeName: string; agentLink: string }
  | { kind: 'refused'; message: string };

/** What the bot needs from the rest of Parley; the adapter itself never touches the database. */
export interface TeamsActivityHooks {
  conversationSeen(seen: { teamsTenantId: string; reference: Partial<ConversationReference> }): Promise<void>;
  consentDecision(request: ConsentDecisionRequest): Promise<ConsentDecisionAnswer>;
  /** The customer's client asks for their own view of a decided card: their way into the call, or what they chose. */
  consentRefresh(request: { token: string; language: ShippedLanguage; from: { id: string | undefined; aadObjectId: string | undefined }; issue: boolean }): Promise<AdaptiveCard>;
  escalationOptions(context: ChatEscalationContext): Promise<EscalationOptions>;
  escalate(context: ChatEscalationContext, answer: { meetingTypeId: string; customer: string }): Promise<EscalationOutcome>;
  /** The viewer page for a recording, as Teams frames it in a dialog (it signs the viewer in itself). */
  recordingViewerUrl(recordingId: string): string;
}

/** The escalation dialog's answer as Teams posts it back. */
const postedEscalation = z.object({ command: z.literal(ESCALATE_COMMAND), meetingTypeId: z.uuid(), customer: z.string().min(1).max(300) });

/** Card data as Teams posts it back: our data plus the inputs, which arrive as strings. */
const postedConsent = z.object({
  token: z.string().regex(/^[\w-]{20,100}$/),
  noticeVersionId: z.uuid(),
  join: z.boolean(),
  lang: z.string().max(10).optional(),
  recording: z.enum(['true', 'false', '']).optional(),
});
type PostedConsent = z.infer<typeof postedConsent>;

/** What a decided card's refresh carries. */
const refreshData = z.object({ token: z.string().regex(/^[\w-]{20,100}$/), lang: z.string().max(10).optional(), issue: z.literal(true).optional() });

/** The Action.Submit fallback: a message whose value names our verb. */
const submittedConsent = postedConsent.extend({ verb: z.literal(CONSENT_VERB) });

const invokeError = (statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse => ({
  statusCode,
  type: 'application/vnd.microsoft.error',
  value: { code, message },
});

/**
 * Parley's Teams bot: remembers the chats it is added to, and turns a click on the
 * consent card (Action.Execute, or the Action.Submit fallback of older clients)
 * into a recorded decision and the card that replaces the offer.
 */
export class ParleyActivityHandler extends TeamsActivityHandler {
  constructor(
    private readonly hooks: TeamsActivityHooks,
    private readonly logger: Logger,
  ) {
    super();
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((member) => member.id === botId)) await this.remember(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.remember(context);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.remember(context);
      const submitted = submittedConsent.safeParse(context.activity.value);
      if (submitted.success) await this.replyToSubmit(context, submitted.data);
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    if (invoke.action.verb === REFRESH_VERB) {
      const refresh = refreshData.safeParse(invoke.action.data);
      if (!refresh.success) return invokeError(400, 'BadRequest', 'not a consent card');
      const { from, locale } = context.activity;
      const card = await this.hooks.consentRefresh({
        token: refresh.data.token,
        language: pickLanguage([refresh.data.lang, locale], 'en'),
        from: { id: from?.id, aadObjectId: from?.aadObjectId },
        // Only a press of the customer's "Join" asks for a link; a refresh on display never does.
        issue: refresh.data.issue === true,
      });
      return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
    }
    if (invoke.action.verb !== CONSENT_VERB) return invokeError(400, 'NotSupported', `unknown verb`);
    const data = postedConsent.safeParse(invoke.action.data);
    if (!data.success) return invokeError(400, 'BadRequest', 'not a consent decision');
    const answer = await this.decide(context, data.data, false);
    // A message answer is shown to the one who pressed only; a card answer replaces the consent
    // card, for refusals too.
    // botbuilder types `value` as an object; for the message type Teams takes the text itself.
    if (typeof answer === 'string') return { statusCode: 200, type: MESSAGE_CONTENT_TYPE, value: answer as unknown as Record<string, unknown> };
    return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: answer };
  }

  /** "Escalate to video" in a chat's message extension: the dialog to pick a meeting type and the customer. */
  protected override async handleTeamsMessagingExtensionFetchTask(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    if (action.commandId !== ESCALATE_COMMAND) return dialogMessage('Parley does not know this command.');
    const escalation = await this.escalationContext(context);
    if (typeof escalation === 'string') return dialogMessage(escalation);
    const options = await this.hooks.escalationOptions(escalation);
    if (options.kind === 'refused') return dialogMessage(options.message);
    return dialogCard('Escalate to video', escalationDialog(options.dialog));
  }

  protected override async handleTeamsMessagingExtensionSubmitAction(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    const answer = postedEscalation.safeParse(action.data);
    if (action.commandId !== ESCALATE_COMMAND || !answer.success) return dialogMessage('Choose a meeting type and the customer, then try again.');
    const escalation = await this.escalationContext(context);
    if (typeof escalation === 'string') return dialogMessage(escalation);
    const outcome = await this.hooks.escalate(escalation, answer.data);
    if (outcome.kind === 'refused') return dialogMessage(outcome.message);
    return dialogCard('Video call offered', escalationOffered(outcome));
  }

  /**
   * "Play recording" on the bot's recording message: a dialog with the viewer. Nothing is checked
   * here: the dialog carries no grant, and the viewer plays only for a signed-in user the
   * recording's policy allows.
   */
  protected override async handleTeamsTaskModuleFetch(_context: TurnContext, request: TaskModuleRequest): Promise<TaskModuleResponse> {
    const play = playRecordingRequest.safeParse(request.data);
    if (!play.success) return dialogMessage('Parley does not know this button.');
    return recordingDialog(this.hooks.recordingViewerUrl(play.data.recordingId));
  }

  /** Who escalates which chat, and who else is in it; a string says why this is no place to escalate. */
  private async escalationContext(context: TurnContext): Promise<ChatEscalationContext | string> {
    const { activity } = context;
    const teamsTenantId = tenantOf(activity);
    if (!teamsTenantId || !activity.from?.aadObjectId) return 'Teams did not say who you are. Open the chat again and retry.';
    if (activity.conversation?.conversationType !== 'groupChat') return 'Escalate from a chat with the customer: add Parley to that chat first.';
    // The chat is where the consent card goes: remembered now, in case the bot was added before Parley kept chats.
    await this.remember(context);
    const members: TeamsChannelAccount[] = [];
    let continuationToken: string | undefined;
    try {
      do {
        const page = await TeamsInfo.getPagedMembers(context, 100, continuationToken);
        members.push(...page.members);
        continuationToken = page.continuationToken || undefined;
      } while (continuationToken && members.length < 1000);
    } catch (error) {
      // Teams refuses the list to a bot that is not in the chat; the agent can fix that.
      this.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'teams: could not list the chat members');
      return 'Parley could not see who is in this chat. Add Parley to the chat, then try again.';
    }
    const others = members.filter((m) => m.id !== activity.from.id && m.aadObjectId !== activity.from.aadObjectId && m.id !== activity.recipient?.id);
    return {
      teamsTenantId,
      conversationId: activity.conversation.id,
      agentObjectId: activity.from.aadObjectId,
      members: others.map((m) => ({ id: m.aadObjectId ?? m.id, name: m.name || m.email || 'Teams user', objectId: m.aadObjectId, email: m.email ?? undefined })),
    };
  }

  private async replyToSubmit(context: TurnContext, data: PostedConsent): Promise<void> {
    // The bot's reply to a message is a message of its own, seen by every member of the chat.
    const answer = await this.decide(context, data, context.activity.conversation?.conversationType !== 'personal');
    try {
      await context.sendActivity(
        typeof answer === 'string' ? { type: 'message', text: answer } : { type: 'message', attachments: [CardFactory.adaptiveCard(answer)] },
      );
    } catch (error) {
      // The decision is recorded either way; a redelivered message would only be told so.
      this.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'teams: could not reply with the consent result');
    }
  }

  /** The card to show, or a line of text for the one who pressed. */
  private async decide(context: TurnContext, data: PostedConsent, answerSeenByAll: boolean): Promise<AdaptiveCard | string> {
    const { from, locale } = context.activity;
    const answer = await this.hooks.consentDecision({
      token: data.token,
      noticeVersionId: data.noticeVersionId,
      join: data.join,
      recording: data.recording === 'true' ? true : data.recording === 'false' ? false : undefined,
      language: pickLanguage([data.lang, locale], 'en'),
      from: { id: from?.id, aadObjectId: from?.aadObjectId },
      answerSeenByAll,
    });
    // Said to whoever pressed, so in their own Teams language rather than the customer's.
    if (answer.kind === 'not_for_you') return locales[pickLanguage([locale], answer.language)].page.notForYou;
    return answer.kind === 'ask_again' ? consentCard(answer.card) : resultCard(answer);
  }

  private async remember(context: TurnContext): Promise<void> {
    const { activity } = context;
    const teamsTenantId = tenantOf(activity);
    if (!teamsTenantId) {
      // Without a tenant the chat cannot be tied to an installation; Teams always sends one.
      this.logger.warn({ channelId: activity.channelId, type: activity.type }, 'teams: activity without a tenant id, conversation not stored');
      return;
    }
    await this.hooks.conversationSeen({ teamsTenantId, reference: TurnContext.getConversationReference(activity) });
  }
}

function tenantOf(activity: TurnContext['activity']): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  return activity.conversation?.tenantId ?? (typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined);
}

/** A dialog (task module) that shows a card. */
function dialogCard(title: string, card: AdaptiveCard): MessagingExtensionActionResponse {
  return { task: { type: 'continue', value: { title, card: CardFactory.adaptiveCard(card) } } };
}

/** A dialog that only says something. */
function dialogMessage(message: string): MessagingExtensionActionResponse {
  return { task: { type: 'message', value: message } };
}

/**
 * The Adaptive Cards the customer sees in Teams: the consent offer and what
 * replaces it once they decide. Pure JSON builders, no botbuilder, so the
 * consent offer can queue a card inside its transaction.
 */
import type { NoticeContent } from '../../services/notices/content.js';
import { locales, type NoticeLocale, type ShippedLanguage } from '../../services/notices/locales/index.js';

export const CONSENT_VERB = 'parley.consent';
/** Asked by the customer's Teams client for their own view of the decided card (Universal Actions refresh). */
export const REFRESH_VERB = 'parley.consent.refresh';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** An invoke answer Teams shows to the user who pressed, leaving the card unchanged. */
export const MESSAGE_CONTENT_TYPE = 'application/vnd.microsoft.activity.message';

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard'; version: string };

/** What a consent action carries back; inputs (the recording choice) are merged in by the client. */
export interface ConsentActionData {
  token: string;
  noticeVersionId: string;
  join: boolean;
  /** The card's language, so even a refusal answers in it. */
  lang: ShippedLanguage;
}

export interface ConsentCardInput {
  notice: NoticeContent;
  noticeVersionId: string;
  token: string;
  /** The consent page (/c/:token) with the full notice. */
  link: string;
  /** Whether to ask about recording: only where consent is the legal basis. */
  askRecording: boolean;
  /** Shown above the choices when the card comes back, e.g. after an unanswered question. */
  message?: string;
}

/** An Adaptive Card 1.5 in `lang`, as every card of Parley's bot is built. */
export const card = (lang: string, body: unknown[], actions: unknown[], fallbackText: string): AdaptiveCard => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  lang,
  fallbackText,
  body,
  ...(actions.length ? { actions } : {}),
});

const heading = (text: string) => ({ type: 'TextBlock', text, wrap: true, weight: 'Bolder', size: 'Medium', style: 'heading' });
export const paragraph = (text: string) => ({ type: 'TextBlock', text, wrap: true });

export function consentCard(input: ConsentCardInput): AdaptiveCard {
  const { notice } = input;
  const t = locales[notice.language];
  const summary = notice.summary;
  // The summary already names the recording policy; add what it leaves out (audio or audio and video).
  const recordingLines = (notice.sections.find((s) => s.key === 'recording')?.paragraphs ?? []).filter((p) => !summary.includes(p));
  const required = notice.recordingPolicy === 'required';

  const body: unknown[] = [heading(notice.title), paragraph(summary), ...recordingLines.map(paragraph)];
  if (input.message) body.push({ type: 'TextBlock', text: input.message, wrap: true, color: 'Attention', weight: 'Bolder' });
  if (input.askRecording) {
    body.push({
      type: 'Input.ChoiceSet',
      id: 'recording',
      label: t.page.recordingQuestion,
      style: 'expanded',
      // No value: nothing is pre-selected, silence is not consent (GDPR Art. 7, recital 32).
      isRequired: true,
      errorMessage: t.page.answerEachQuestion,
      choices: [
        { title: t.page.yes, value: 'true' },
        { title: t.page.no, value: 'false' },
      ],
    });
  } else {
    body.push(paragraph(t.page.joinQuestion));
  }

  const data = (join: boolean): ConsentActionData => ({ token: input.token, noticeVersionId: input.noticeVersionId, join, lang: notice.language });
  // Accept and decline look alike (no "positive" style): declining must be as easy as accepting.
  const decision = (join: boolean, title: string) => ({
    type: 'Action.Execute',
    verb: CONSENT_VERB,
    title,
    data: data(join),
    // Accept checks the recording question is answered; decline needs no answer.
    associatedInputs: join ? 'auto' : 'none',
    // Clients before Action.Execute post a message with `value` instead; `verb` tells it apart.
    fallback: { type: 'Action.Submit', title, data: { verb: CONSENT_VERB, ...data(join) }, associatedInputs: join ? 'auto' : 'none' },
  });

  return card(
    notice.language,
    body,
    [
      decision(true, required ? t.page.acceptRecordedCall : t.page.joinNow),
      decision(false, t.page.declineCall),
      { type: 'Action.OpenUrl', title: t.page.fullNoticeLink, url: input.link },
    ],
    `${summary}\n${t.page.fullNoticeLink}: ${input.link}`,
  );
}

export type ConsentCardResult =
  | { kind: 'decided'; language: ShippedLanguage; join: boolean; joinUrl: string | null }
  /** The link cannot decide (any more): already decided, expired, unknown, call over. */
  | { kind: 'refused'; language: ShippedLanguage; reason: 'decided' | 'expired' | 'ended' | 'not_found' };

/** Replaces the consent card once the customer has decided, or says why they cannot. */
export function resultCard(result: ConsentCardResult): AdaptiveCard {
  const t: NoticeLocale = locales[result.language];
  if (result.kind === 'refused') {
    const text = { decided: t.page.decidedAlready, expired: t.page.expired, ended: t.page.callEnded, not_found: t.page.notFound }[result.reason];
    return card(result.language, [heading(t.title), paragraph(text)], [], text);
  }
  if (!result.join) {
    return card(result.language, [heading(t.page.declinedTitle), paragraph(t.page.declinedText)], [], t.page.declinedText);
  }
  // Without a link (the answer is read by the whole chat) the customer's own Teams client shows the way in.
  if (!result.joinUrl) return card(result.language, [heading(t.page.joinedTitle), paragraph(t.page.joinFromTeamsApp)], [], t.page.joinFromTeamsApp);
  return card(
    result.language,
    [heading(t.page.joinedTitle), paragraph(t.page.joinedText)],
    [{ type: 'Action.OpenUrl', title: t.page.joinNow, url: result.joinUrl }],
    `${t.page.joinedText}\n${t.page.joinNow}: ${result.joinUrl}`,
  );
}

/**
 * The customer's own view of their accepted card (refresh): a button that asks for their join
 * link. Shown, not pressed: Teams refreshes a card every time it is displayed, and a link made on
 * display would replace the one the customer may just have opened.
 */
export function customerAcceptedCard(input: { language: ShippedLanguage; token: string }): AdaptiveCard {
  const t = locales[input.language];
  return card(
    input.language,
    [heading(t.page.joinedTitle), paragraph(t.page.joinedText)],
    [{ type: 'Action.Execute', verb: REFRESH_VERB, title: t.page.joinNow, data: { token: input.token, lang: input.language, issue: true } }],
    t.page.joinedText,
  );
}

/**
 * What the consent card becomes for everyone in the chat once the customer has decided: what they
 * chose, no buttons, no link. The customer's own client asks again (refresh, for their Teams user
 * id only) and gets their card with a way into the call (`resultCard`).
 */
export function decidedCard(input: { language: ShippedLanguage; join: boolean; token: string; customerTeamsId?: string }): AdaptiveCard {
  const t = locales[input.language];
  const text = input.join ? t.page.cardAccepted : t.page.cardDeclined;
  return {
    ...card(input.language, [heading(t.title), paragraph(text)], [], text),
    ...(input.join && input.customerTeamsId
      ? { refresh: { action: { type: 'Action.Execute', verb: REFRESH_VERB, data: { token: input.token, lang: input.language } }, userIds: [input.customerTeamsId] } }
      : {}),
  };
}

import { z } from 'zod';

/**
 * The payload of a consent postback button: the consent link's token, the notice
 * version the message showed, and the answer. A decision is only valid for the words
 * the customer saw, so the version travels with the button rather than being looked up
 * when it is pressed. The token is the same bearer secret the message's link carries.
 */
export interface ConsentPostback {
  token: string;
  noticeVersionId: string;
  join: boolean;
}

const PREFIX = 'parley:consent:';
const shape = /^parley:consent:([\w-]{20,100}):([0-9a-fA-F-]{36}):(yes|no)$/;

export function consentPostbackPayload(postback: ConsentPostback): string {
  return `${PREFIX}${postback.token}:${postback.noticeVersionId}:${postback.join ? 'yes' : 'no'}`;
}

/** Whether a postback payload is Parley's at all; others belong to bots sharing the app. */
export function isConsentPostback(payload: string): boolean {
  return payload.startsWith(PREFIX);
}

/** `undefined` for a payload that is not a well-formed consent answer. */
export function parseConsentPostback(payload: string): ConsentPostback | undefined {
  const match = shape.exec(payload);
  if (!match || !z.uuid().safeParse(match[2]).success) return undefined;
  return { token: match[1]!, noticeVersionId: match[2]!, join: match[3] === 'yes' };
}

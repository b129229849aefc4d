/**
 * The bot's "recording stored" message in a Teams chat. A link in a chat opens outside Teams,
 * where nobody is signed in to Parley; the card's button instead asks the bot for a dialog
 * (task/fetch), which Teams opens inside itself, so the viewer signs in with Teams SSO.
 * Pure JSON builders, no botbuilder, so the pipeline can queue the card in its transaction.
 */
import { z } from 'zod';
import { card, paragraph, type AdaptiveCard } from './consent-card.js';

/** Names Parley's task/fetch requests among whatever else a card's data may carry. */
export const PLAY_RECORDING = 'parley.play_recording';

/** The card's data as Teams posts it back in the task/fetch invoke (with its own fields beside ours). */
export const playRecordingRequest = z.looseObject({ parley: z.literal(PLAY_RECORDING), recordingId: z.uuid() });

/** In English, as the ticket notes are: it speaks to the agents of the chat. */
export function recordingStoredCard(text: string, recordingId: string): AdaptiveCard {
  const play = { type: 'Action.Submit', title: 'Play recording', data: { msteams: { type: 'task/fetch' }, parley: PLAY_RECORDING, recordingId } };
  return card('en', [paragraph(text)], [play], text);
}

/**
 * The dialog Teams opens for the button: the viewer, framed by Teams, signing in with SSO. No
 * fallback URL: outside Teams the page could not sign anyone in.
 */
export function recordingDialog(viewerUrl: string) {
  return { task: { type: 'continue' as const, value: { title: 'Call recording', url: viewerUrl, height: 'large' as const, width: 'large' as const } } };
}

import type { NoticeContent } from '../notices/content.js';

const channelPhrase: Record<string, string> = {
  zendesk_ticket: 'as a public reply on this ticket',
  zendesk_messaging: 'into the messaging conversation',
  teams_chat: 'into the Teams chat',
  web: 'as a link the agent handed over',
};

/**
 * Texts of the internal notes Parley writes into the ticket. They name no person
 * (the ticket already says who the requester is) and never carry a link that
 * grants access: only ids, versions and decisions.
 */
export const notes = {
  offered: (p: { meetingTypeName: string; version: number; language: string; hash: string; channel: string }) =>
    `Parley: video call offered (meeting type "${p.meetingTypeName}"). Privacy notice v${p.version} (${p.language}, sha256 ${p.hash.slice(0, 12)}) sent ${channelPhrase[p.channel] ?? 'to the customer'}.`,
  decided: (p: { join: boolean; recording: 'granted' | 'declined' | 'required' | 'not_recorded'; version: number; language: string }) => {
    const recording = {
      granted: 'allowed recording',
      declined: 'declined recording',
      required: 'was told the call is recorded by legal obligation',
      not_recorded: 'the call is not recorded',
    }[p.recording];
    return p.join
      ? `Parley: the customer accepted the video call; ${recording} (notice v${p.version}, ${p.language}).`
      : `Parley: the customer declined the video call (notice v${p.version}, ${p.language}).`;
  },
  recordingWithdrawn: () => 'Parley: the customer withdrew consent to recording during the call. Recording stopped.',
  recordingStarted: () => 'Parley: recording started.',
  recordingStopped: () => 'Parley: recording stopped.',
  callExpired: () => 'Parley: the video call expired before it started; its room was closed. Escalate again if the customer still needs it.',
  recordingUnavailable: () =>
    'Parley: the video call was stopped as it began: this meeting type must be recorded, and the recording could not start (recording switched off for the account, no storage space, or the video server refused). Nothing was recorded.',
  callAbandoned: (wasRecording: boolean) =>
    wasRecording
      ? 'Parley: the video call ended on its own: everyone had left without ending it. The recording stopped then and is being stored.'
      : 'Parley: the video call ended on its own: everyone had left without ending it.',
  callCutOff: (wasRecording: boolean) =>
    wasRecording
      ? 'Parley: the video call was cut off because the video server failed. What was recorded until then is being kept.'
      : 'Parley: the video call was cut off because the video server failed.',
  recordingStored: () => 'Parley: the recording of the video call is stored, encrypted.',
  /** The link opens Parley's viewer, which asks who is looking before it plays anything. */
  recordingAvailable: (viewerUrl: string) => `${notes.recordingStored()} Play it in Parley: ${viewerUrl}`,
};

/** The message the customer gets in their channel: the notice summary and the consent link. */
export function customerInvitation(notice: NoticeContent, link: string, labels: { fullNotice: string }): string {
  return `${notice.summary}\n${labels.fullNotice}: ${link}`;
}

/**
 * Where people are sent to watch a recording. Each is the same viewer page, which plays nothing
 * until it holds a playback ticket for the person looking.
 */

/**
 * The ticket note's link: names the recording, and the account when it has single sign-on, which
 * the viewer then offers (it comes back to the recording); otherwise the viewer says where to open
 * the recording signed in.
 */
export const recordingPageUrl = (publicBaseUrl: string, recordingId: string, singleSignOnAccount: string | null) =>
  `${publicBaseUrl}/app/recording.html?${singleSignOnAccount ? `account=${singleSignOnAccount}&` : ''}recording=${recordingId}`;

/** The viewer as Teams frames it in a dialog: it signs the user in with Teams SSO, then plays. */
export const teamsRecordingPageUrl = (publicBaseUrl: string, recordingId: string) => `${publicBaseUrl}/teams/recording?recording=${recordingId}`;

/** A playback link: the viewer with its ticket in the fragment, which no server ever receives. */
export const playbackViewerUrl = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/app/recording.html#ticket=${token}`;

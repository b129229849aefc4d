/**
 * Where people are sent to watch a recording. Each is the same viewer page, which plays nothing
 * until it holds a playback ticket for the person looking.
 */

/**
 * The ticket note's link: names the account and the recording; the viewer offers the account's
 * single sign-on, which comes back to it, or says where to open the recording signed in.
 */
export const recordingPageUrl = (publicBaseUrl: string, tenantId: string, recordingId: string) =>
  `${publicBaseUrl}/app/recording.html?account=${tenantId}&recording=${recordingId}`;

/** The viewer as Teams frames it in a dialog: it signs the user in with Teams SSO, then plays. */
export const teamsRecordingPageUrl = (publicBaseUrl: string, recordingId: string) => `${publicBaseUrl}/teams/recording?recording=${recordingId}`;

/** A playback link: the viewer with its ticket in the fragment, which no server ever receives. */
export const playbackViewerUrl = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/app/recording.html#ticket=${token}`;

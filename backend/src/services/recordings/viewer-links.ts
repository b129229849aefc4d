/**
 * Where people are sent to watch a recording. Each is the same viewer page, which plays nothing
 * until it holds a playback ticket for the person looking.
 */

/** The ticket note's link: names the recording; the viewer says where to open it signed in. */
export const recordingPageUrl = (publicBaseUrl: string, recordingId: string) => `${publicBaseUrl}/app/recording.html?recording=${recordingId}`;

/** The viewer as Teams frames it in a dialog: it signs the user in with Teams SSO, then plays. */
export const teamsRecordingPageUrl = (publicBaseUrl: string, recordingId: string) => `${publicBaseUrl}/teams/recording?recording=${recordingId}`;

/** A playback link: the viewer with its ticket in the fragment, which no server ever receives. */
export const playbackViewerUrl = (publicBaseUrl: string, token: string) => `${publicBaseUrl}/app/recording.html#ticket=${token}`;

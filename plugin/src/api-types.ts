/**
 * JSON shapes of the backend routes the browser pages use. Kept by hand until
 * the pages switch to the backend's typed client; field names match the wire.
 */

export type RecordingPolicy = 'required' | 'optional' | 'forbidden';
export type MediaKind = 'audio' | 'audio+video';
export type CallState = 'created' | 'active' | 'ended' | 'failed';
export type ParticipantRole = 'agent' | 'customer';

export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string };
}

export interface DemoSessionRequest {
  accountId: string;
  userId: string;
  name: string;
  /** Zendesk organizations the demo agent works for; the demo trusts them. */
  organizations?: string[];
}

export interface DemoSessionResponse {
  token: string;
  agent: { id: string; name: string };
  expiresAt: string;
}

export interface MeetingType {
  id: string;
  key: string;
  name: string;
  recordingPolicy: RecordingPolicy;
  media: MediaKind;
  legalBasis: string;
}

export interface MeetingTypesResponse {
  meetingTypes: MeetingType[];
}

export interface EscalateRequest {
  meetingTypeId: string;
  case: {
    host: 'zendesk';
    externalId: string;
    client?: { kind: 'zendesk_organization' | 'zendesk_brand' | 'zendesk_group'; externalId: string; name?: string };
  };
  customer: {
    externalId: string;
    displayName: string;
    email?: string;
    locale?: string;
  };
}

export interface EscalateResponse {
  call: {
    id: string;
    state: CallState;
    meetingType: Pick<MeetingType, 'id' | 'key' | 'name' | 'recordingPolicy' | 'media'>;
    recording: { active: boolean };
  };
  links: { customer: string; agent: string };
}

export interface Participant {
  role: ParticipantRole;
  joinedAt: string | null;
  leftAt: string | null;
}

export interface CallView {
  id: string;
  state: CallState;
  participants: Participant[];
  recording: { active: boolean };
  /** Why it ended, e.g. ended_by_agent or media_server_lost; null while it runs. */
  endReason: string | null;
}

export interface CallResponse {
  call: CallView;
}

export interface JoinResponse {
  /** Bearer credential for this participant's follow-up calls (presence, end). */
  session: string;
  role: ParticipantRole;
  call: {
    id: string;
    meetingTypeName: string;
    recordingPolicy: RecordingPolicy;
    media: MediaKind;
  };
  media: {
    janusUrl: string;
    roomId: number;
    pin: string;
    janusToken: string;
    /** Empty unless the deployment runs STUN/TURN: then no third party learns the browser's address. */
    iceServers: RTCIceServer[];
    display: string;
  };
}

export interface PresenceRequest {
  event: 'joined' | 'left';
}

export type RecordingStatus = 'processing' | 'waiting_to_retry' | 'available' | 'failed' | 'deleted';
export type RecordingStage = 'pending' | 'converting' | 'muxing' | 'encrypting' | 'verified' | 'stored' | 'done' | 'failed' | 'deleted';

export interface Recording {
  id: string;
  callId: string;
  caseId: string;
  customerId: string;
  status: RecordingStatus;
  stage: RecordingStage;
  media: MediaKind;
  durationSeconds: number | null;
  sizeBytes: number | null;
  storageLocation: string;
  storedAt: string | null;
  /** Why processing is held up; null when nothing is wrong. */
  problem: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

export interface RecordingsResponse {
  recordings: Recording[];
}

export interface RecordingResponse {
  recording: Recording;
}

export interface PlaybackResponse {
  streamUrl: string;
  /** Carries the playback ticket in its fragment, so it never reaches a server log. */
  viewerUrl: string;
  expiresAt: string;
}

/** `GET /media/:ticket/about`: what the viewer page shows around the player. */
export interface PlaybackAbout {
  viewerName: string;
  expiresAt: string;
  recording: { id: string; media: MediaKind; durationSeconds: number | null };
}

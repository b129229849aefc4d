/**
 * JSON shapes of the backend routes the browser pages use. Kept by hand until
 * the pages switch to the backend's typed client; field names match the wire.
 */

export type RecordingPolicy = 'required' | 'optional' | 'forbidden';
export type MediaKind = 'audio' | 'audio+video';
export type CallState = 'created' | 'active' | 'ended' | 'failed';
export type ParticipantRole = 'agent' | 'customer' | 'supervisor';

export interface FieldError {
  /** The field's path in the request body, e.g. "subject.email". */
  path: string;
  message: string;
}

export interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; fields?: FieldError[] };
}

export interface DemoSessionRequest {
  accountId: string;
  userId: string;
  name: string;
  /** The user's role; the demo trusts it (absent: agent). */
  role?: 'agent' | 'supervisor' | 'admin';
  /** Zendesk organizations the demo agent works for; the demo trusts them. */
  organizations?: string[];
}

export interface DemoSessionResponse {
  token: string;
  agent: { id: string; name: string };
  expiresAt: string;
  /** Present on host sign-ins: whether this admin should finish the account's set-up, and where. */
  onboarding?: { required: boolean; url: string };
}

export interface MeetingType {
  id: string;
  key: string;
  name: string;
  recordingPolicy: RecordingPolicy;
  media: MediaKind;
  legalBasis: string;
  e2ee: boolean;
  /** The customer waits in a lobby until the agent lets them in. */
  lobby: boolean;
  /** A supervisor may listen without taking part; the notice says so. */
  silentSupervision: boolean;
  storageLocation: string;
  retentionDays: number;
  metadataRetentionDays: number;
  consentRetentionDays: number;
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
  call: CallView;
  links: { customer: string; agent: string };
}

/** The agent's own calls on a ticket or chat that have not ended, newest first. */
export interface OwnOpenCallsResponse {
  calls: CallView[];
}

export interface Participant {
  id: string;
  role: ParticipantRole;
  /** invited: link not opened yet; waiting: in the lobby; admitted: in, or free to join; removed: taken out by the agent. */
  admission: 'invited' | 'waiting' | 'admitted' | 'removed';
  joinedAt: string | null;
  leftAt: string | null;
}

/** `accountRecordingOff`: the account records nothing now, so the call is not recorded whatever its policy. */
export interface CallRecording {
  active: boolean;
  accountRecordingOff: boolean;
  /** The customer's latest answer about recording where consent is the basis; an optional recording starts only on granted or not_needed. */
  customerConsent: 'granted' | 'declined' | 'withdrawn' | 'pending' | 'not_needed';
}

export interface CallView {
  id: string;
  state: CallState;
  meetingType: { id: string; key: string; name: string; recordingPolicy: RecordingPolicy; media: MediaKind };
  participants: Participant[];
  recording: CallRecording;
  /** Both are in and the media room admits nobody else. */
  locked: boolean;
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
    /** The account records nothing now: the call is not recorded, whatever its policy. */
    accountRecordingOff: boolean;
    media: MediaKind;
  };
  /** `waiting`: the meeting type has a lobby, and the agent has not let this customer in yet. */
  admission: 'admitted' | 'waiting';
  media: MediaGrant | null;
}

/** A fresh single-use link into the call view, for the agent who escalated the call. */
export interface AgentLinkResponse {
  link: string;
  expiresAt: string;
}

export interface MediaGrant {
  janusUrl: string;
  roomId: number;
  pin: string;
  janusToken: string;
  /** Empty unless the deployment runs STUN/TURN: then no third party learns the browser's address. */
  iceServers: RTCIceServer[];
  display: string;
}

export interface AdmissionResponse {
  admission: 'admitted' | 'waiting';
  media: MediaGrant | null;
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
  /** Why a deleted recording is gone; null unless deleted. */
  deletionReason: 'retention' | 'erasure' | 'deleted_by_user' | 'failed' | null;
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

/** POST /media/:ticket/continue: the next link for a viewer still watching. */
export interface PlaybackContinued {
  ticket: string;
  streamUrl: string;
  expiresAt: string;
}

// Console: sign-in, settings, onboarding, people, retention and data-subject requests

/** `GET /api/me`. */
export interface Me {
  id: string;
  displayName: string;
  tenantId: string;
  /** Role names, for display; what the user may do is decided per request. */
  roles: string[];
  /** Every action this user holds for at least one meeting type, as the server's permission table resolves their roles. */
  actions: string[];
}

export type LegalBasis = 'consent' | 'legal_obligation' | 'legitimate_interest';

/** `GET/PUT /api/admin/settings`: what the privacy notices say about the controller. */
export interface TenantSettings {
  controllerName: string;
  controllerContact: string | null;
  dpoContact: string | null;
  privacyPolicyUrl: string | null;
  alternativeContact: string | null;
  defaultLanguage: string;
  storageLocation: string;
  messagingPostbacks: boolean;
  allowedRegions: string[];
}

export interface SettingsResponse {
  settings: TenantSettings;
}

export type OnboardingStepKey = 'controller' | 'dpo' | 'privacy_policy' | 'storage' | 'meeting_types' | 'retention' | 'roles';

export interface Onboarding {
  completedAt: string | null;
  recordingEnabledAt: string | null;
  steps: { key: OnboardingStepKey; done: boolean; title: string }[];
}

/** `GET /api/admin/onboarding` and every onboarding change. */
export interface OnboardingResponse {
  onboarding: Onboarding;
}

export interface StorageLocationsResponse {
  locations: { name: string; region: string; allowed: boolean }[];
}

export interface RetentionPeriods {
  recordingDays: number;
  metadataDays: number;
  consentDays: number;
}

/** `PUT /api/admin/meeting-types/{id}/retention`: what the periods would delete, and whether they were saved. */
export interface RetentionChangeResponse {
  saved: boolean;
  current: RetentionPeriods;
  affected: { recordings: number; consentRecords: number; calls: number; heldRecordings: number };
}

export interface Role {
  id: string;
  name: string;
  builtIn: boolean;
  allClients: boolean;
  grants: Partial<Record<string, 'all' | string[]>>;
}

export interface RolesResponse {
  roles: Role[];
}

export type ClientKind = 'zendesk_organization' | 'zendesk_brand' | 'zendesk_group' | 'teams_team';

export interface ConsoleUser {
  id: string;
  name: string;
  host: 'zendesk' | 'teams';
  active: boolean;
  roles: { name: string; source: 'host' | 'admin' }[];
  clients: { kind: string; externalId: string; name: string | null; source: 'host' | 'admin' }[];
}

/** `GET /api/admin/users?limit=&cursor=&q=`: one page, by name. */
export interface UsersResponse {
  users: ConsoleUser[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** `PUT /api/admin/users/{id}/access`: what an admin assigns in Parley, on top of the host's. */
export interface AccessAssignment {
  roles: string[];
  clients: { kind: ClientKind; externalId: string }[];
}

export type DsarKind = 'access' | 'erasure';
export type DsarState = 'received' | 'in_progress' | 'completed' | 'refused' | 'partially_refused';

export interface DataSubjectRequest {
  id: string;
  kind: DsarKind;
  state: DsarState;
  customerId: string | null;
  subjectKnown: boolean;
  verification: { method: string; verifiedBy: string | null };
  receivedAt: string;
  dueAt: string;
  /** Whole days until the due date while the request is open; null once answered. */
  daysLeft: number | null;
  overdue: boolean;
  extended: boolean;
  extensionReason: string | null;
  progress: { done: number; total: number };
  outcome: Record<string, unknown> | null;
  nextRunAt: string | null;
  lastError: string | null;
  completedAt: string | null;
}

/** `GET /api/dsar`: one page; `nextCursor` is null on the last. */
export interface DsarListResponse {
  requests: DataSubjectRequest[];
  nextCursor: string | null;
}

export interface DsarResponse {
  request: DataSubjectRequest;
}

/** `POST /api/dsar`: one request per customer record of the subject, received together. */
export interface DsarReceivedResponse {
  request: DataSubjectRequest;
  requests: DataSubjectRequest[];
}

export interface DsarReceive {
  kind: DsarKind;
  subject: { email: string } | { host: 'zendesk' | 'teams'; externalId: string };
  verification: string;
}

export interface DsarExtend {
  months: 1 | 2;
  reason: string;
  requesterInformed: boolean;
}

/** `GET /api/admin/audit/verify`. */
export interface AuditVerification {
  ok: boolean;
  tenants: number;
  events: number;
  legacyEvents: number;
  firstBroken?: { tenantId: string; seq: number; id: number | null; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_event' | 'head_mismatch' };
}

// Admin console

/** `GET /api/meeting-types` items as the console edits them, and `PUT /api/admin/meeting-types/{id}`'s answer. */
export interface AdminMeetingType extends MeetingType {
  legalBasis: LegalBasis;
  /** End-to-end encrypted calls; only where recording is forbidden. */
  e2ee: boolean;
}

/** `PUT /api/admin/meeting-types/{id}` body: only the fields given change; unknown fields are refused (400). */
export interface MeetingTypeChange {
  name?: string;
  recordingPolicy?: RecordingPolicy;
  media?: MediaKind;
  legalBasis?: LegalBasis;
  e2ee?: boolean;
  lobby?: boolean;
  silentSupervision?: boolean;
}

export interface MeetingTypeChangeResponse {
  meetingType: AdminMeetingType;
  /** New notice versions the change published, over all languages; 0 when the words stayed the same. */
  noticeVersionsPublished: number;
}

export type NoticeLanguage = 'en' | 'de' | 'fr' | 'nl' | 'es';

/** Why a draft could not be saved; saving it answers 400 with the same codes. */
export interface ConfigurationProblem {
  code: 'E2EE_REQUIRES_NO_RECORDING' | 'OPTIONAL_RECORDING_NEEDS_CONSENT' | 'REQUIRED_RECORDING_NEEDS_LEGAL_GROUND';
  message: string;
  fields: ('recordingPolicy' | 'legalBasis' | 'e2ee' | 'silentSupervision')[];
}

/** `POST /api/admin/meeting-types/{id}/preview` body. */
export interface NoticePreviewRequest {
  language: NoticeLanguage;
  draft?: MeetingTypeChange;
}

export interface NoticePreview {
  language: NoticeLanguage;
  /** A complete HTML document (the consent page's notice, its styles included) for `<iframe sandbox="" srcdoc>`. */
  noticeHtml: string;
  /** The Adaptive Card the Teams bot would send; its consent link and token are placeholders. */
  card: Record<string, unknown>;
  /** The one-line summary Zendesk messaging messages and Teams cards carry. */
  summary: string;
  /** The public Zendesk ticket reply: summary and (placeholder) consent link. */
  invitation: string;
  /** The version customers get now, and whether saving the draft would publish a new one in this language. */
  noticeVersion: { current: number | null; changes: boolean };
  /** Recording is switched off for the account: the notice says calls are not recorded, whatever the policy. */
  accountRecordingOff: boolean;
  /** Empty when the draft can be saved. */
  problems: ConfigurationProblem[];
}

export interface NoticePreviewResponse {
  preview: NoticePreview;
}

export interface MeetingTypeRef {
  id: string;
  name: string;
}

/** One row of `GET /api/admin/recordings`; play it with `POST /api/recordings/{id}/playback`. */
export interface AdminRecording {
  id: string;
  meetingType: MeetingTypeRef;
  /** displayName is null once the customer was erased. */
  customer: { id: string; displayName: string | null };
  /** Null once the customer was erased: the case no longer names its ticket or chat. */
  case: { host: string; externalId: string } | null;
  recordedAt: string;
  durationSeconds: number | null;
  sizeBytes: number | null;
  /** When retention deletes it (not while legally held); null until stored and after deletion. */
  deleteAfter: string | null;
  legalHold: boolean;
  status: RecordingStatus;
  media: MediaKind;
  storageLocation: string;
}

export interface AdminRecordingsResponse {
  recordings: AdminRecording[];
  /** Pass as `cursor` for the next page; null on the last. A page may be shorter than `limit` before the last. */
  nextCursor: string | null;
}

/** One row of `GET /api/admin/audit`, newest first. */
export interface AuditEventView {
  id: number;
  /** Null for events written before the chain existed. */
  seq: number | null;
  at: string;
  action: string;
  /** kind: 'agent', 'system', 'participant:agent' or 'participant:customer'; only staff have a displayName. */
  actor: { kind: string; id: string | null; displayName: string | null };
  subjectType: string;
  subjectId: string;
  details: Record<string, string | number | boolean | null>;
  /** The event carries sealed personal data, not shown here. */
  hasPersonalData: boolean;
}

export interface AuditEventsResponse {
  events: AuditEventView[];
  nextCursor: string | null;
}

/** `GET /api/admin/retention/forecast`. */
export interface RetentionForecast {
  /** 'YYYY-MM' from this month (UTC) on, twelve of them, then 'later'. */
  months: string[];
  /** counts[i] is how many recordings retention deletes in months[i]; held ones are only in `held`. */
  series: { meetingType: MeetingTypeRef; counts: number[]; held: number }[];
}

export interface RetentionForecastResponse {
  forecast: RetentionForecast;
}

/** `GET /api/admin/storage/usage`; a type with nothing stored appears once, at its configured location. */
export interface StorageUsage {
  totalBytes: number;
  byMeetingType: { meetingType: MeetingTypeRef; location: string; recordings: number; bytes: number }[];
}

export interface StorageUsageResponse {
  usage: StorageUsage;
}

import type { MeetingType, MeetingTypesResponse, RetentionChangeResponse, RetentionPeriods } from '../../../api-types';
import type { ConsoleSession } from '../../session-context';
import { useSession } from '../../session-context';
import { useLoad } from '../../use-load';

/** A meeting type as the console reads it; the list may carry more than the agent's sidebar needs. */
export type ConsoleMeetingType = MeetingType & {
  /** Listed for admins (AdminMeetingType); the other fields, where a deployment lists them, spare a request. */
  e2ee?: boolean;
  storageLocation?: string;
  retentionDays?: number;
  metadataRetentionDays?: number;
  consentRetentionDays?: number;
};

export function useMeetingTypes() {
  const { call } = useSession();
  return useLoad(() => call<MeetingTypesResponse>('/api/meeting-types').then((r) => r.meetingTypes as ConsoleMeetingType[]), [call]);
}

/**
 * A meeting type's current retention periods. Where the list does not carry them, a preview
 * (`confirm: false`) answers with them: it saves nothing and writes no audit event.
 */
export async function currentRetention(call: ConsoleSession['call'], type: ConsoleMeetingType): Promise<RetentionPeriods> {
  if (type.retentionDays !== undefined && type.metadataRetentionDays !== undefined && type.consentRetentionDays !== undefined) {
    return { recordingDays: type.retentionDays, metadataDays: type.metadataRetentionDays, consentDays: type.consentRetentionDays };
  }
  const probe = { recordingDays: 1, metadataDays: 1, consentDays: 1, confirm: false };
  const answer = await call<RetentionChangeResponse>(`/api/admin/meeting-types/${encodeURIComponent(type.id)}/retention`, { method: 'PUT', body: probe });
  return answer.current;
}

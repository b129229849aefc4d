import type { MeetingType, MeetingTypesResponse, RetentionPeriods } from '../../../api-types';
import { useSession } from '../../session-context';
import { useLoad } from '../../use-load';

/** A meeting type as the console reads it from `GET /api/meeting-types`. */
export type ConsoleMeetingType = MeetingType;

export function useMeetingTypes() {
  const { call } = useSession();
  return useLoad(() => call<MeetingTypesResponse>('/api/meeting-types').then((r) => r.meetingTypes as ConsoleMeetingType[]), [call]);
}

/** A meeting type's current retention periods, in the shape the retention endpoint takes. */
export function retentionOf(type: ConsoleMeetingType): RetentionPeriods {
  return { recordingDays: type.retentionDays, metadataDays: type.metadataRetentionDays, consentDays: type.consentRetentionDays };
}

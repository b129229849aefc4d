import { and, eq } from 'drizzle-orm';
import { consentCard } from '../../adapters/teams/consent-card.js';
import type { DbOrTx } from '../../db/client.js';
import { meetingTypes, tenants } from '../../db/schema/index.js';
import { authorize } from '../access/policy.js';
import { asksForRecordingConsent } from '../consent/consent-token.js';
import { customerInvitation } from '../consent/notes.js';
import { configurationProblems, type MeetingTypeChange } from '../meeting-types/change-input.js';
import { meetingTypeNotFound } from '../meeting-types/update.js';
import type { Principal } from '../principal.js';
import { buildNotice, hashNotice } from './content.js';
import { locales, type ShippedLanguage } from './locales/index.js';
import { latestNotice, noticeFacts, type StoragePlaces } from './publish.js';

/**
 * Stand-ins for what only a real offer has. The card and the invitation carry a consent link with
 * a secret token and the id of the notice version offered; a preview must not mint either.
 */
export const PREVIEW_TOKEN = 'preview';
export const PREVIEW_NOTICE_VERSION_ID = '00000000-0000-0000-0000-000000000000';

/**
 * What a customer would be shown for a meeting type, with `draft` applied and nothing saved: the
 * notice (built by the same code that publishes it), the Teams consent card and the text Zendesk
 * messages carry, all from the builders a real offer uses, so the preview cannot drift from them.
 * Problems that would make saving the draft fail are reported, not thrown, so the editor can show
 * the preview and the reason side by side while the admin is still typing.
 */
export async function previewNotice(
  deps: { db: DbOrTx; publicBaseUrl: string; recordings: { stores: StoragePlaces } },
  principal: Principal,
  meetingTypeId: string,
  input: { language: ShippedLanguage; draft?: MeetingTypeChange },
) {
  const [row] = await deps.db
    .select({ type: meetingTypes, tenant: tenants })
    .from(meetingTypes)
    .innerJoin(tenants, eq(tenants.id, meetingTypes.tenantId))
    .where(and(eq(meetingTypes.id, meetingTypeId), eq(meetingTypes.tenantId, principal.tenantId)));
  if (!row) throw meetingTypeNotFound();
  authorize(principal, 'configure', { tenantId: row.type.tenantId, meetingTypeId: row.type.id }, meetingTypeNotFound());

  const draft = { ...row.type, ...input.draft };
  const notice = buildNotice(input.language, noticeFacts(row.tenant, draft, deps.recordings.stores));
  const latest = await latestNotice(deps.db, row.type.tenantId, row.type.id, input.language);
  const unchanged = latest?.contentHash === hashNotice(notice);
  const link = `${deps.publicBaseUrl}/c/${PREVIEW_TOKEN}`;

  return {
    language: input.language,
    notice,
    card: consentCard({
      notice,
      noticeVersionId: unchanged ? latest.id : PREVIEW_NOTICE_VERSION_ID,
      token: PREVIEW_TOKEN,
      link,
      askRecording: asksForRecordingConsent(notice),
    }),
    summary: notice.summary,
    invitation: customerInvitation(notice, link, { fullNotice: locales[input.language].page.fullNoticeLink }),
    noticeVersion: { current: latest?.version ?? null, changes: !unchanged },
    // The notice then says the call is not recorded, whatever the draft's policy: the editor says why.
    accountRecordingOff: row.tenant.recordingEnabledAt === null,
    problems: configurationProblems(draft),
  };
}

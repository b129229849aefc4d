import { useEffect, useState } from 'react';
import { useSession } from '../../session-context';
import { useDebounced } from '../../use-debounced';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import type { NoticePreview, NoticePreviewResponse } from '../../../api-types';
import { AdaptiveCardPreview } from './adaptive-card';
import type { MeetingTypeDraft } from './editor';

export const previewLanguages = [
  { id: 'en', label: 'English' },
  { id: 'de', label: 'Deutsch' },
  { id: 'fr', label: 'Français' },
  { id: 'nl', label: 'Nederlands' },
  { id: 'es', label: 'Español' },
] as const;

/** Typing pauses this long before the server is asked for a new preview. */
const PREVIEW_DELAY_MS = 400;

/**
 * What customers would see with the draft as it stands, per language, built by the server's own
 * renderers: the notice page (in a sandboxed frame: no script, no same-origin access), the Teams
 * card and the summary Zendesk messages carry. Nothing is saved.
 */
export function NoticePreviewPane({ meetingTypeId, draft, onProblems }: { meetingTypeId: string; draft: MeetingTypeDraft; onProblems: (problems: NoticePreview['problems']) => void }) {
  const { Tabs, Heading, Text, Spinner, Alert } = useKit();
  const { call } = useSession();
  const [language, setLanguage] = useState<string>('en');
  const [preview, setPreview] = useState<NoticePreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  // One string, so an unchanged draft re-rendered is not a new request.
  const request = useDebounced(JSON.stringify({ language, draft }), PREVIEW_DELAY_MS);

  useEffect(() => {
    const controller = new AbortController();
    call<NoticePreviewResponse>(`/api/admin/meeting-types/${encodeURIComponent(meetingTypeId)}/preview`, {
      method: 'POST',
      body: JSON.parse(request) as unknown,
      signal: controller.signal,
    }).then(
      ({ preview: next }) => {
        setPreview(next);
        setError(null);
        onProblems(next.problems);
      },
      (caught: unknown) => {
        if (!controller.signal.aborted) setError(caught);
      },
    );
    return () => controller.abort();
  }, [call, meetingTypeId, request, onProblems]);

  const label = previewLanguages.find((l) => l.id === language)?.label ?? language;
  const current = preview && preview.language === language ? preview : null;
  return (
    <Tabs label="Preview language" tabs={previewLanguages} selected={language} onSelect={setLanguage} testId="preview-tabs">
      <ErrorAlert error={error} />
      {!current && !error ? <Spinner label={`Loading the ${label} preview…`} /> : null}
      {current ? (
        <div className="console-stack" data-testid="notice-preview" aria-busy={request !== JSON.stringify({ language, draft })}>
          {current.accountRecordingOff ? (
            <Alert tone="info" title="Recording is switched off for this account" testId="recording-off-hint">
              Until an admin switches it on under Set-up, customers are told calls are not recorded and are not asked about
              recording, whatever this type&apos;s policy says. Switching it on publishes this type&apos;s notice with its policy.
            </Alert>
          ) : null}
          <Heading level={3}>Privacy notice</Heading>
          <iframe className="notice-frame" sandbox="" srcDoc={current.noticeHtml} title={`Privacy notice preview, ${label}`} data-testid="notice-frame" />
          <Heading level={3}>Teams card</Heading>
          <AdaptiveCardPreview card={current.card} label={`Teams card preview, ${label}`} />
          <Heading level={3}>Summary in Zendesk messages</Heading>
          <Text testId="summary-preview">{current.summary}</Text>
        </div>
      ) : null}
    </Tabs>
  );
}

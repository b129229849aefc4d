import { formatBytes, formatMonth } from '../../format';
import type { RetentionForecast, RetentionForecastResponse, StorageUsageResponse } from '../../../api-types';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';
import { Screen, Section } from '../../ui/screen';
import { useLoad } from '../../use-load';
import { useMeetingTypes } from '../meeting-types/data';
import { RetentionEditor } from './retention-editor';
import { StackedBarChart } from './stacked-bar-chart';

/** The chart's text alternative: the totals per month that have any, and what legal holds keep. */
export function forecastSummary(forecast: RetentionForecast): string {
  // The last bucket ("later") is everything after the months listed.
  const when = (month: string, i: number) => (/^\d{4}-\d{2}$/.test(month) ? `in ${formatMonth(month)}` : `after ${formatMonth(forecast.months[i - 1] ?? month)}`);
  const totals = forecast.months.map((month, i) => ({ month, i, total: forecast.series.reduce((sum, s) => sum + (s.counts[i] ?? 0), 0) }));
  const due = totals.filter((t) => t.total > 0).map((t) => `${t.total} ${when(t.month, t.i)}`);
  const held = forecast.series.reduce((sum, s) => sum + s.held, 0);
  const head = due.length > 0 ? `Recordings due for deletion: ${due.join(', ')}.` : 'No recordings are due for deletion in this period.';
  return held > 0 ? `${head} ${held} under legal hold, kept until released.` : head;
}

export function RetentionScreen() {
  const { Table, Text, Spinner } = useKit();
  const { call } = useSession();
  const forecast = useLoad(() => call<RetentionForecastResponse>('/api/admin/retention/forecast').then((r) => r.forecast), [call]);
  const usage = useLoad(() => call<StorageUsageResponse>('/api/admin/storage/usage').then((r) => r.usage), [call]);
  const types = useMeetingTypes();

  const held = forecast.data?.series.filter((s) => s.held > 0) ?? [];
  return (
    <Screen title="Retention and storage" intro="When stored recordings will be deleted, how much space they take, and how long each meeting type keeps its data.">
      <Section title="Deletions ahead" testId="forecast">
        <ErrorAlert error={forecast.error} />
        {forecast.data ? (
          <>
            <Text>Recordings per meeting type, by the month their retention ends and they are deleted.</Text>
            <StackedBarChart
              input={{ categories: forecast.data.months, series: forecast.data.series.map((s) => ({ name: s.meetingType.name, values: s.counts })) }}
              summary={forecastSummary(forecast.data)}
              categoryLabel={formatMonth}
              tableLabel="Recordings due for deletion per month"
            />
            {held.length > 0 ? <Text testId="held">{`Under legal hold, kept until released: ${held.map((s) => `${s.meetingType.name} ${s.held}`).join(', ')}.`}</Text> : null}
          </>
        ) : !forecast.error ? (
          <Spinner label="Loading the forecast…" />
        ) : null}
      </Section>
      <Section title="Storage used" testId="storage-usage">
        <ErrorAlert error={usage.error} />
        {usage.data ? (
          <>
            <Text testId="storage-total">{`${formatBytes(usage.data.totalBytes)} stored in total.`}</Text>
            {usage.data.byMeetingType.length > 0 ? (
              <Table
                label="Storage per meeting type"
                rows={usage.data.byMeetingType}
                rowKey={(row) => `${row.meetingType.id}:${row.location}`}
                columns={[
                  { key: 'type', header: 'Meeting type', render: (row) => row.meetingType.name },
                  { key: 'location', header: 'Location', render: (row) => row.location },
                  { key: 'count', header: 'Recordings', numeric: true, render: (row) => row.recordings },
                  { key: 'bytes', header: 'Size', numeric: true, render: (row) => formatBytes(row.bytes) },
                ]}
              />
            ) : null}
          </>
        ) : !usage.error ? (
          <Spinner label="Loading storage use…" />
        ) : null}
      </Section>
      <Section title="Retention periods" testId="retention-periods">
        <ErrorAlert error={types.error} />
        {types.data?.map((type) => <RetentionEditor key={type.id} type={type} onSaved={forecast.reload} />)}
      </Section>
    </Screen>
  );
}

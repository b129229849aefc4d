import { useEffect, useState } from 'react';
import { useSession } from '../session-context';
import { ErrorAlert } from '../ui/error-alert';
import { useKit } from '../ui/kit-context';
import { Screen, Section } from '../ui/screen';

interface DocumentDef {
  key: 'records' | 'dpia';
  title: string;
  path: string;
  fileName: string;
  about: string;
}

const documents: readonly DocumentDef[] = [
  {
    key: 'records',
    title: 'Record of processing activities',
    path: '/api/admin/records-of-processing',
    fileName: 'parley-records-of-processing.pdf',
    about: 'GDPR Art. 30: what Parley processes for you, why, for how long, where and how it is protected, written from your current settings.',
  },
  {
    key: 'dpia',
    title: 'Data protection impact assessment summary',
    path: '/api/admin/dpia',
    fileName: 'parley-dpia.pdf',
    about: 'GDPR Art. 35: the risks of recorded video calls and the measures your settings put in place against each.',
  },
];

/** Hands a blob to the browser as a file download. */
function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy by now; the URL only keeps the blob alive.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function DocumentSection({ doc }: { doc: DocumentDef }) {
  const { Button, Text } = useKit();
  const { fetchDocument } = useSession();
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'html' | 'pdf' | null>(null);

  const run = async (format: 'html' | 'pdf') => {
    setBusy(format);
    setError(null);
    try {
      const blob = await fetchDocument(`${doc.path}?format=${format}`);
      if (format === 'pdf') saveBlob(blob, doc.fileName);
      else setHtml(await blob.text());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  // A freshly shown document takes focus, so keyboard users land on what they asked for.
  useEffect(() => {
    if (html !== null) document.getElementById(`${doc.key}-frame`)?.focus();
  }, [html, doc.key]);

  return (
    <Section title={doc.title} testId={`document-${doc.key}`}>
      <Text>{doc.about}</Text>
      <div className="console-row">
        <Button variant="primary" onClick={() => void run('html')} disabled={busy !== null} testId={`show-${doc.key}`}>
          Show here
        </Button>
        <Button onClick={() => void run('pdf')} disabled={busy !== null} testId={`download-${doc.key}`}>
          Download PDF
        </Button>
      </div>
      {busy ? <p role="status" className="console-muted">{busy === 'pdf' ? 'Preparing the PDF…' : 'Generating…'}</p> : null}
      <ErrorAlert error={error} />
      {html !== null ? (
        // Shown sandboxed: the document is generated from what admins typed, and must never run in the console's origin.
        <iframe id={`${doc.key}-frame`} className="document-frame" sandbox="" srcDoc={html} title={doc.title} data-testid={`${doc.key}-frame`} />
      ) : null}
    </Section>
  );
}

export function RecordsScreen() {
  return (
    <Screen title="Records of processing" intro="Generated from your live configuration each time you open them, with the configuration version they describe.">
      {documents.map((doc) => (
        <DocumentSection key={doc.key} doc={doc} />
      ))}
    </Screen>
  );
}

import { describeError } from '../../api';
import { useKit } from './kit-context';

/** The server's own words for what went wrong, with its code and request id for support. */
export function ErrorAlert({ error, title, testId = 'console-error' }: { error: unknown; title?: string; testId?: string }) {
  const { Alert } = useKit();
  if (!error) return null;
  const { message, code, requestId } = describeError(error);
  return (
    <Alert tone="danger" title={title} testId={testId}>
      <span className="alert-message">{message}</span>
      {code ? (
        <>
          {' '}
          <code className="console-code">{code}</code>
        </>
      ) : null}
      {requestId ? <span className="console-ref"> Reference {requestId}</span> : null}
    </Alert>
  );
}

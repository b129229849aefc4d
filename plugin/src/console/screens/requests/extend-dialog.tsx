import { useState } from 'react';
import type { DataSubjectRequest, DsarExtend, DsarResponse } from '../../../api-types';
import { formatDate } from '../../format';
import { useSession } from '../../session-context';
import { ErrorAlert } from '../../ui/error-alert';
import { useKit } from '../../ui/kit-context';

/** Art. 12(3): once, by one or two months, with a reason the requester must be told. */
export function ExtendDialog({ request, onClose, onExtended }: { request: DataSubjectRequest; onClose: () => void; onExtended: () => void }) {
  const { Dialog, Select, TextField, Checkbox, Button, Text } = useKit();
  const { call } = useSession();
  const [months, setMonths] = useState<DsarExtend['months']>(1);
  const [reason, setReason] = useState('');
  const [informed, setInformed] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const extend = async () => {
    setBusy(true);
    setError(null);
    try {
      const body: DsarExtend = { months, reason: reason.trim(), requesterInformed: informed };
      await call<DsarResponse>(`/api/dsar/${encodeURIComponent(request.id)}/extend`, { method: 'POST', body });
      onExtended();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const tooShort = reason.trim().length < 10;
  return (
    <Dialog
      open
      title="Extend the deadline"
      onClose={onClose}
      testId="extend-dialog"
      actions={
        <Button variant="primary" onClick={() => void extend()} disabled={busy || tooShort} testId="confirm-extend">
          Extend
        </Button>
      }
    >
      <div className="console-stack">
        <Text>{`Due ${formatDate(request.dueAt)}. A deadline can be extended once, by up to two months, when a request is complex or there are many.`}</Text>
        <Select
          label="Extend by"
          value={String(months)}
          options={[
            { value: '1', label: 'One month' },
            { value: '2', label: 'Two months' },
          ]}
          onChange={(value) => setMonths(value === '2' ? 2 : 1)}
        />
        <TextField
          label="Reason"
          required
          multiline
          hint="The requester is told this reason. At least 10 characters; no personal data."
          value={reason}
          onChange={setReason}
          testId="extend-reason"
        />
        <Checkbox label="The requester has been told of the extension and why" checked={informed} onChange={setInformed} testId="extend-informed" />
        <ErrorAlert error={error} />
      </div>
    </Dialog>
  );
}

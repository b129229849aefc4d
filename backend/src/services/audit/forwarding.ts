/**
 * Whether every audit event is also queued for the off-host sink (AUDIT_SINK_URL). Set once at
 * start, before the first request: `recordAudit` has ~40 callers that pass only a transaction,
 * and whether a copy leaves the host is a property of the installation, not of the call.
 */
let forwarding = false;

export function setAuditForwarding(enabled: boolean): void {
  forwarding = enabled;
}

export function auditForwardingEnabled(): boolean {
  return forwarding;
}

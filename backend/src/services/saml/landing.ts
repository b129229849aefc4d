import { z } from 'zod';
import { recordingPageUrl } from '../recordings/viewer-links.js';

/**
 * Where a sign-in lands. It starts either at the console's sign-in or at the recording viewer,
 * opened from a ticket note's link; the identity provider hands the place back in RelayState.
 * Only these two shapes exist, so RelayState can never send the browser anywhere else.
 */
export type SignInLanding = { kind: 'console' } | { kind: 'recording'; recordingId: string };

const RECORDING_PREFIX = 'recording:';

/** The RelayState that asks for `landing` back. */
export function relayStateFor(landing: SignInLanding): string {
  return landing.kind === 'recording' ? `${RECORDING_PREFIX}${landing.recordingId}` : '';
}

/** The landing RelayState names; anything else (an IdP-initiated sign-in, an edit) opens the console. */
export function landingFrom(relayState: string | undefined): SignInLanding {
  if (!relayState?.startsWith(RECORDING_PREFIX)) return { kind: 'console' };
  const recordingId = z.uuid().safeParse(relayState.slice(RECORDING_PREFIX.length));
  return recordingId.success ? { kind: 'recording', recordingId: recordingId.data } : { kind: 'console' };
}

/**
 * The page the browser goes to, the session in the fragment: the browser keeps it, no server (ours,
 * a proxy's log) ever receives it.
 */
export function landingUrl(landing: SignInLanding, tenantId: string, sessionToken: string): string {
  const fragment = `#session=${encodeURIComponent(sessionToken)}`;
  // The account stays in the viewer's address, so a reload or a lapsed session can sign in again.
  return landing.kind === 'recording' ? `${recordingPageUrl('', landing.recordingId, tenantId)}${fragment}` : `/app/console.html${fragment}`;
}

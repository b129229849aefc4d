import type { JoinResponse } from '../api-types';

/**
 * A join link works once, so reloading the call page would otherwise lock its owner out of a
 * call that is still running. The page keeps what the link was exchanged for (the call session,
 * never the media credentials, which are asked for again) in this tab's sessionStorage: it
 * survives a reload, is gone when the tab closes, and no other tab or site can read it.
 */
export interface RememberedJoin {
  session: string;
  role: JoinResponse['role'];
  call: JoinResponse['call'];
  /** The call is end-to-end encrypted: the browser must be able to encrypt before it goes back in. */
  e2ee: boolean;
}

const KEY_PREFIX = 'parley.join.';

export function rememberJoin(storage: Storage, token: string, joined: JoinResponse, e2ee: boolean): void {
  const remembered: RememberedJoin = { session: joined.session, role: joined.role, call: joined.call, e2ee };
  try {
    storage.setItem(KEY_PREFIX + token, JSON.stringify(remembered));
  } catch {
    // Storage full or switched off: the call goes on, only a reload will not get back in.
  }
}

export function rememberedJoin(storage: Storage, token: string): RememberedJoin | null {
  let value: unknown;
  try {
    value = JSON.parse(storage.getItem(KEY_PREFIX + token) ?? 'null');
  } catch {
    return null;
  }
  return isRememberedJoin(value) ? value : null;
}

export function forgetJoin(storage: Storage, token: string): void {
  try {
    storage.removeItem(KEY_PREFIX + token);
  } catch {
    // Nothing was stored.
  }
}

/** What another version of the page, or a hand edit, may have left is not trusted as a session. */
function isRememberedJoin(value: unknown): value is RememberedJoin {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const call = v.call as Record<string, unknown> | null | undefined;
  return (
    typeof v.session === 'string' &&
    (v.role === 'agent' || v.role === 'customer' || v.role === 'supervisor') &&
    typeof v.e2ee === 'boolean' &&
    typeof call === 'object' &&
    call !== null &&
    typeof call.id === 'string' &&
    typeof call.meetingTypeName === 'string' &&
    (call.recordingPolicy === 'required' || call.recordingPolicy === 'optional' || call.recordingPolicy === 'forbidden') &&
    typeof call.accountRecordingOff === 'boolean' &&
    (call.media === 'audio' || call.media === 'audio+video')
  );
}

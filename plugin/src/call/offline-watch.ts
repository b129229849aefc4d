/** How long the browser may be offline before the call counts as lost: a Wi-Fi or mobile hand-off is shorter. */
export const OFFLINE_GRACE_MS = 3000;

/**
 * Calls `lost` once the browser has been offline for `graceMs` without coming back online. Janus'
 * long poll would notice only when it next answers (up to 30 s) and ICE about as late, while the
 * picture freezes. Answers a function that stops watching.
 */
export function watchOffline(target: EventTarget, lost: () => void, graceMs = OFFLINE_GRACE_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const offline = () => {
    if (timer === undefined) timer = setTimeout(() => ((timer = undefined), lost()), graceMs);
  };
  target.addEventListener('offline', offline);
  target.addEventListener('online', cancel);
  return () => {
    cancel();
    target.removeEventListener('offline', offline);
    target.removeEventListener('online', cancel);
  };
}

/** Said when the browser refuses to open the window: nothing was asked of the server then. */
export const POPUP_BLOCKED = 'Your browser blocked the new window. Allow pop-ups for this app and try again.';

/**
 * Opens a tab whose address a request still has to give (a playback or listen-in link). The tab
 * opens inside the click, while the browser allows it, so a blocked pop-up is known before the
 * request is made: no playback is audited that nobody saw. The tab cannot reach back into this
 * frame, and it closes again if the request fails.
 */
export async function openWindowFor(address: () => Promise<string>): Promise<void> {
  const opened = window.open('about:blank', '_blank');
  if (!opened) throw new Error(POPUP_BLOCKED);
  opened.opener = null;
  try {
    const url = new URL(await address(), window.location.href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The server sent an unusable link.');
    opened.location.href = url.href;
  } catch (error) {
    opened.close();
    throw error;
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OFFLINE_GRACE_MS, watchOffline } from '../../plugin/src/call/offline-watch.js';

describe('a call page whose browser goes offline', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const browser = () => {
    const target = new EventTarget();
    const lost = vi.fn();
    const stop = watchOffline(target, lost);
    return { lost, stop, go: (event: 'offline' | 'online') => target.dispatchEvent(new Event(event)) };
  };

  it('counts the call as lost once the browser has stayed offline for the grace period, and only once', () => {
    const { lost, go } = browser();
    go('offline');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS - 1);
    expect(lost).not.toHaveBeenCalled();
    go('offline');
    vi.advanceTimersByTime(1);
    expect(lost).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * OFFLINE_GRACE_MS);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('keeps the call through a hand-off that is back online within the grace period', () => {
    const { lost, go } = browser();
    go('offline');
    vi.advanceTimersByTime(OFFLINE_GRACE_MS / 2);
    go('online');
    vi.advanceTimersByTime(10 * OFFLINE_GRACE_MS);
    expect(lost).not.toHaveBeenCalled();
  });

  it('says nothing once the page has left the call', () => {
    const { lost, stop, go } = browser();
    go('offline');
    stop();
    go('offline');
    vi.advanceTimersByTime(10 * OFFLINE_GRACE_MS);
    expect(lost).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from 'vitest';
import type { JoinResponse } from '../../plugin/src/api-types.js';
import { forgetJoin, rememberedJoin, rememberJoin } from '../../plugin/src/call/remembered-join.js';

/** sessionStorage as the browser implements it, over a Map; `full` makes every write throw as a full store does. */
function storage(full = false): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => {
      if (full) throw new DOMException('quota', 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

const joined: JoinResponse = {
  session: 'session-jwt',
  role: 'customer',
  call: { id: '5f0c4a52-0a7e-4c55-9d59-7c3e0e1f2a10', meetingTypeName: 'Support call', recordingPolicy: 'forbidden', accountRecordingOff: false, media: 'audio+video' },
  admission: 'admitted',
  media: { janusUrl: 'ws://127.0.0.1:8188/', roomId: 1, pin: 'pin', janusToken: 'media-token', iceServers: [], display: 'customer' },
};

describe('the call page remembers its join across a reload', () => {
  it('keeps the call session for its own link only, and never the media credentials', () => {
    const store = storage();
    rememberJoin(store, 'link-a', joined, true);
    expect(rememberedJoin(store, 'link-a')).toEqual({ session: 'session-jwt', role: 'customer', call: joined.call, e2ee: true });
    expect(rememberedJoin(store, 'link-b')).toBeNull();
    expect(store.getItem(store.key(0)!)).not.toContain('media-token');
    forgetJoin(store, 'link-a');
    expect(rememberedJoin(store, 'link-a')).toBeNull();
  });

  it('treats anything else found under the key as nothing remembered', () => {
    const store = storage();
    rememberJoin(store, 'link', joined, false);
    const key = store.key(0)!;
    for (const stored of ['not json', 'null', '[]', JSON.stringify({ session: 'x' }), JSON.stringify({ session: 'x', role: 'admin', e2ee: false, call: joined.call })]) {
      store.setItem(key, stored);
      expect(rememberedJoin(store, 'link'), stored).toBeNull();
    }
  });

  it('lets the call go on when the browser refuses to store it', () => {
    const store = storage(true);
    expect(() => rememberJoin(store, 'link', joined, false)).not.toThrow();
    expect(rememberedJoin(store, 'link')).toBeNull();
  });
});

import { useCallback, useEffect, useRef, useState } from 'react';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  /** Undefined until the first page arrives. */
  items: T[] | undefined;
  nextCursor: string | null;
  error: unknown;
  busy: boolean;
  /** Appends the page after the last one shown. */
  loadMore(): void;
  /** Reads the list again from its first page (after a change to what it shows). */
  reload(): void;
}

/**
 * A list read page by page with a cursor, started again whenever `deps` change (a new filter).
 * Only the latest request may change what is shown: a slow answer for a filter chosen before, or
 * for a "show more" overtaken by a new filter, is dropped.
 */
export function usePaged<T extends { id: string | number }>(fetchPage: (cursor: string | null) => Promise<Page<T>>, deps: readonly unknown[]): PagedList<T> {
  const [state, setState] = useState<{ items: T[] | undefined; nextCursor: string | null; error: unknown; busy: boolean }>({
    items: undefined,
    nextCursor: null,
    error: null,
    busy: true,
  });
  const latest = useRef(0);
  // The caller names what the fetch depends on, as with useEffect.
  const fetchFrom = useCallback(fetchPage, deps);

  const load = useCallback(
    (cursor: string | null) => {
      const mine = ++latest.current;
      // A new start (another filter) takes the old rows away at once: they do not answer it.
      setState((previous) => ({ ...previous, ...(cursor ? {} : { items: undefined, nextCursor: null }), error: null, busy: true }));
      fetchFrom(cursor).then(
        (page) => {
          if (mine !== latest.current) return;
          setState((previous) => ({
            items: cursor && previous.items ? appendNew(previous.items, page.items) : page.items,
            nextCursor: page.nextCursor,
            error: null,
            busy: false,
          }));
        },
        (error: unknown) => {
          if (mine === latest.current) setState((previous) => ({ ...previous, error, busy: false }));
        },
      );
    },
    [fetchFrom],
  );

  useEffect(() => load(null), [load]);

  const { nextCursor } = state;
  const loadMore = useCallback(() => {
    if (nextCursor) load(nextCursor);
  }, [load, nextCursor]);
  const reload = useCallback(() => load(null), [load]);
  return { ...state, loadMore, reload };
}

/**
 * A row that changed after it was shown can sort again after the cursor (a request answered
 * meanwhile) and come back on a later page: the row already on screen stays, once.
 */
export function appendNew<T extends { id: string | number }>(shown: T[], page: T[]): T[] {
  const seen = new Set(shown.map((item) => item.id));
  return [...shown, ...page.filter((item) => !seen.has(item.id))];
}

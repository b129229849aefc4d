/** The most resources one list response holds; advertised as `filter.maxResults`. */
export const MAX_RESULTS = 200;
const DEFAULT_COUNT = 100;

export interface Page {
  /** 1-based, as in SCIM. */
  startIndex: number;
  count: number;
}

/** RFC 7644 §3.4.2.4: a startIndex below 1 means 1, a negative count means 0; we cap count at MAX_RESULTS. */
export function pageOf(query: { startIndex?: number | undefined; count?: number | undefined }): Page {
  return {
    startIndex: Math.max(1, query.startIndex ?? 1),
    count: Math.min(MAX_RESULTS, Math.max(0, query.count ?? DEFAULT_COUNT)),
  };
}

export interface ListResult<T> {
  totalResults: number;
  startIndex: number;
  items: T[];
}

import autocannon, { type AutocannonRequest } from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Fixed request count, so every run does the same work and stops by itself. */
  amount: number;
  request: AutocannonRequest;
}

export interface LoadResult {
  /** Answered with a 2xx; throughput and latencies count only these. */
  requests: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no HTTP answer at all. */
  errors: number;
  statusCodes: Record<string, number>;
  /** First few bodies of non-2xx answers, to say why a run is not a result. */
  errorSamples: string[];
  seconds: number;
  reqPerSec: number;
  /** Milliseconds, from every response's own timing (autocannon's histogram rounds to whole ms). */
  p50: number;
  p99: number;
  max: number;
  /** Median of the first and last quarter of responses: shows whether a run slows as data grows. */
  firstQuarterP50: number;
  lastQuarterP50: number;
}

const ERROR_SAMPLES = 3;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** One autocannon run with a fixed request count; resolves when the last answer is in. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  const userOnResponse = options.request.onResponse;
  const request: AutocannonRequest = {
    ...options.request,
    onResponse: (status, body, context, headers) => {
      if ((status < 200 || status > 299) && errorSamples.length < ERROR_SAMPLES) errorSamples.push(`${status} ${body.slice(0, 200)}`);
      userOnResponse?.(status, body, context, headers);
    },
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let lastAnswerAt = started;
    const instance = autocannon(
      { url: options.url, connections: options.connections, amount: options.amount, timeout: 10, requests: [request] },
      (error, result) => {
        if (error) return reject(error);
        // autocannon notices the last answer only on its next 1 s tick: time the run to that answer instead.
        const seconds = (lastAnswerAt - started) / 1000;
        const sorted = [...latencies].sort((a, b) => a - b);
        const quarter = Math.max(1, Math.floor(latencies.length / 4));
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]));
        resolve({
          requests: latencies.length,
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
          errorSamples,
          seconds,
          reqPerSec: latencies.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          max: sorted.at(-1) ?? Number.NaN,
          firstQuarterP50: median(latencies.slice(0, quarter)),
          lastQuarterP50: median(latencies.slice(-quarter)),
        });
      },
    );
    // Latency of successful answers only (autocannon's own convention): a fast 503 is not a fast escalation.
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      lastAnswerAt = performance.now();
      if (status >= 200 && status <= 299) latencies.push(responseTime);
    });
  });
}

/** A result counts only if every request was answered with a 2xx. */
export function isClean(result: LoadResult): boolean {
  return result.non2xx === 0 && result.errors === 0;
}

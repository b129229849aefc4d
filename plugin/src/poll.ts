/**
 * Runs `task` now and then every `intervalMs` after the previous run settled, so
 * a slow server never sees overlapping requests. A failing run is reported and
 * polling carries on: one lost request must not freeze the view.
 */
export function poll(
  task: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void = () => {},
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = async (): Promise<void> => {
    try {
      await task();
    } catch (error) {
      if (!stopped) onError(error);
    }
    if (!stopped) timer = setTimeout(() => void run(), intervalMs);
  };
  void run();

  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Polls like poll(), split in two: `read` asks the server, `show` applies the answer. A failure is
 * reported through `failed`; the first answer after one calls `recovered`, before `show`, so an
 * error from a lost request never outlives the next good one. Nothing is shown once stopped.
 */
export function pollShowingFailures<T>(
  read: () => Promise<T>,
  show: (answer: T) => void,
  intervalMs: number,
  failures: { failed(error: unknown): void; recovered(): void },
): () => void {
  let stopped = false;
  let failing = false;
  const stop = poll(
    async () => {
      const answer = await read();
      // The answer may arrive after the page stopped asking (left the call): it must change nothing.
      if (stopped) return;
      if (failing) {
        failing = false;
        failures.recovered();
      }
      show(answer);
    },
    intervalMs,
    (error) => {
      failing = true;
      failures.failed(error);
    },
  );
  return () => {
    stopped = true;
    stop();
  };
}

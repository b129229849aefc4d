/**
 * Runs `tick` every `intervalMs` after the previous run finished, never two at once; `stop`
 * waits for a run in progress. Errors go to `onError` and the ticking goes on.
 */
export function createTicker(tick: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  const loop = (): void => {
    if (stopped) return;
    running = tick()
      .catch(onError)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };

  return {
    start(): void {
      stopped = false;
      timer = setTimeout(loop, intervalMs);
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

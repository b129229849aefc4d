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

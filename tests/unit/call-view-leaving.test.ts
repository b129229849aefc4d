import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../plugin/src/api.js';
import { hangUp } from '../../plugin/src/call/hang-up.js';
import { pollShowingFailures } from '../../plugin/src/poll.js';

const networkDown = () => new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached.', null);

/** Records what the page did, in order, so a test can say what happened before what. */
function page(tellServer: () => Promise<unknown>) {
  const steps: string[] = [];
  return {
    steps,
    stopLocally: () => steps.push('camera and microphone off'),
    tellServer: async () => {
      steps.push('request sent');
      await tellServer();
      steps.push('server answered');
    },
  };
}

describe('the agent hangs up: the call ends for everyone only once the server ended it', () => {
  it('stays in the call, camera on, when the end request fails, so hanging up again can retry', async () => {
    const error = networkDown();
    const agent = page(() => Promise.reject(error));
    expect(await hangUp('end-for-everyone', agent)).toEqual({ kind: 'failed', error });
    expect(agent.steps).toEqual(['request sent']);

    const retry = page(() => Promise.resolve());
    expect(await hangUp('end-for-everyone', retry)).toEqual({ kind: 'done' });
    expect(retry.steps).toEqual(['request sent', 'server answered', 'camera and microphone off']);
  });

  it('leaves when the server says the call was over already', async () => {
    const agent = page(() => Promise.reject(new ApiError(409, 'CALL_STATE_CONFLICT', 'A call that is ended cannot become ended.', 'r')));
    expect(await hangUp('end-for-everyone', agent)).toEqual({ kind: 'done' });
    expect(agent.steps).toEqual(['request sent', 'camera and microphone off']);
  });
});

describe('the customer leaves: camera and microphone stop at once, "you left" waits for the server', () => {
  it('stops the media before anything is sent, and reports success only after the server answered', async () => {
    const customer = page(() => Promise.resolve());
    expect(await hangUp('leave', customer)).toEqual({ kind: 'done' });
    expect(customer.steps).toEqual(['camera and microphone off', 'request sent', 'server answered']);
  });

  it('reports a failed leave, with the camera already off', async () => {
    const error = networkDown();
    const customer = page(() => Promise.reject(error));
    expect(await hangUp('leave', customer)).toEqual({ kind: 'failed', error });
    expect(customer.steps).toEqual(['camera and microphone off', 'request sent']);
  });

  it('says "removed" when the agent had removed them meanwhile', async () => {
    const customer = page(() => Promise.reject(new ApiError(410, 'PARTICIPANT_REMOVED', 'You were removed from this call.', 'r')));
    expect(await hangUp('leave', customer)).toEqual({ kind: 'removed' });
  });
});

describe('polling that shows its failures: an error does not outlive the next good answer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function watch(answers: (() => Promise<string>)[]) {
    const seen: string[] = [];
    let run = 0;
    const stop = pollShowingFailures(
      () => answers[Math.min(run++, answers.length - 1)]!(),
      (answer) => seen.push(`show ${answer}`),
      1000,
      { failed: (error) => seen.push(`error ${(error as Error).message}`), recovered: () => seen.push('error cleared') },
    );
    return { seen, stop };
  }

  it('clears the error of a failed poll as soon as a later one succeeds, before showing its answer', async () => {
    const { seen, stop } = watch([() => Promise.resolve('waiting'), () => Promise.reject(new Error('offline')), () => Promise.resolve('admitted')]);
    await vi.advanceTimersByTimeAsync(2500);
    stop();
    expect(seen).toEqual(['show waiting', 'error offline', 'error cleared', 'show admitted']);
  });

  it('clears nothing while every poll succeeds', async () => {
    const { seen, stop } = watch([() => Promise.resolve('waiting')]);
    await vi.advanceTimersByTimeAsync(2500);
    stop();
    expect(seen).toEqual(['show waiting', 'show waiting', 'show waiting']);
  });

  it('drops an answer that arrives after the page stopped asking', async () => {
    let answer: (value: string) => void = () => {};
    const { seen, stop } = watch([() => new Promise<string>((resolve) => (answer = resolve))]);
    stop();
    answer('admitted');
    await vi.advanceTimersByTimeAsync(2500);
    expect(seen).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ActionGate } from '../../plugin/src/call/action-gate.js';

describe('the call view drops status answers that may predate a button the user pressed', () => {
  const clock = () => {
    let at = 0;
    return { now: () => at, tick: () => (at += 1) };
  };

  it('shows a poll sent after the last action finished', async () => {
    const time = clock();
    const gate = new ActionGate(time.now);
    time.tick();
    await gate.run(async () => time.tick());
    time.tick();
    expect(gate.ask()()).toBe(true);
  });

  it('drops a poll sent before an action that finished before its answer came', async () => {
    const time = clock();
    const gate = new ActionGate(time.now);
    time.tick();
    const answer = gate.ask();
    time.tick();
    await gate.run(async () => time.tick());
    expect(answer()).toBe(false);
  });

  it('drops any answer while an action is still running, and a poll sent during it afterwards too', async () => {
    const time = clock();
    const gate = new ActionGate(time.now);
    let finish!: () => void;
    const running = gate.run(() => new Promise<void>((resolve) => (finish = resolve)));
    time.tick();
    const during = gate.ask();
    expect(during()).toBe(false);
    time.tick();
    finish();
    await running;
    expect(during()).toBe(false);
    time.tick();
    expect(gate.ask()()).toBe(true);
  });

  it('counts an action that failed as finished', async () => {
    const time = clock();
    const gate = new ActionGate(time.now);
    const before = gate.ask();
    time.tick();
    await expect(gate.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(before()).toBe(false);
    time.tick();
    expect(gate.ask()()).toBe(true);
  });
});

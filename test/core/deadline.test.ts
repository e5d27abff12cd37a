import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadline, sleep } from '../../src/core/deadline.js';

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function settledAfter(wait: Promise<void>): Promise<() => boolean> {
    let settled = false;
    void wait.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    return () => settled;
  }

  it('resolves after ms, not before, and leaves no timer', async () => {
    const settled = await settledAfter(sleep(1000));

    await vi.advanceTimersByTimeAsync(999);
    expect(settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves at once, with no timer and no listener, for a signal aborted already', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller left'));
    const add = vi.spyOn(controller.signal, 'addEventListener');

    const settled = await settledAfter(sleep(60_000, controller.signal));

    expect(settled()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(add).not.toHaveBeenCalled();
  });

  it('resolves as soon as the signal aborts, never rejecting, and clears its timer and listener', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const wait = sleep(60_000, controller.signal);
    const settled = await settledAfter(wait);
    expect(settled()).toBe(false);

    controller.abort(new Error('caller left'));
    await expect(wait).resolves.toBeUndefined();

    expect(vi.getTimerCount()).toBe(0);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('removes its abort listener when the time runs out first', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const settled = await settledAfter(sleep(10, controller.signal));

    await vi.advanceTimersByTimeAsync(10);

    expect(settled()).toBe(true);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('treats a negative wait as none', async () => {
    const settled = await settledAfter(sleep(-5));

    expect(settled()).toBe(true);
  });
});

describe('Deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts expired, with nothing left, under a parent signal that has aborted already', async () => {
    const parent = new AbortController();
    parent.abort(new Error('the caller gave up'));

    const deadline = new Deadline(10_000, parent.signal);

    expect(deadline.expired).toBe(true);
    expect(deadline.signal.reason).toBe(parent.signal.reason);
    expect(deadline.remainingMs()).toBe(0);
    await expect(deadline.race(new Promise(() => undefined))).rejects.toBe(parent.signal.reason);
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts down, then has nothing left once it has run out', async () => {
    const deadline = new Deadline(1_000);
    await vi.advanceTimersByTimeAsync(400);
    expect(deadline.remainingMs()).toBe(600);

    await vi.advanceTimersByTimeAsync(600);

    expect(deadline.expired).toBe(true);
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.signal.reason).toMatchObject({ name: 'TimeoutError', message: 'timed out after 1000 ms' });
    deadline.dispose();
  });
});

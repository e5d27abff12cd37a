import { describe, expect, it } from 'vitest';
import { WaitingCallers } from '../../src/secrets-manager/waiting-callers.js';

const gaveUp = (reason: unknown) => Object.assign(new Error('gave up'), { reason });

/** A read the test settles by hand, started (as the cache does) from within the first caller's join. */
function heldRead(callers: WaitingCallers) {
  let resolve: (value: string) => void = () => undefined;
  let read: ReturnType<WaitingCallers['startRead']> | undefined;
  const promise = new Promise<string>((settle) => {
    resolve = settle;
  });
  const join = () => {
    read ??= callers.startRead();
    return promise;
  };
  return { join, signal: () => read?.signal, settle: (value: string) => resolve(value), end: () => read?.end() };
}

/** One caller waiting on a held read, with the controller of its signal. */
function oneCallerWaiting() {
  const callers = new WaitingCallers();
  const read = heldRead(callers);
  const caller = new AbortController();
  const waiting = callers.wait(caller.signal, read.join, gaveUp);
  return { callers, read, caller, waiting };
}

describe('WaitingCallers', () => {
  it('starts a read nobody waits for already aborted', () => {
    const read = new WaitingCallers().startRead();

    expect(read.signal.aborted).toBe(true);
  });

  it('keeps a read going while a caller waits, and leaves it alone when the caller gets its answer', async () => {
    const { read, waiting } = oneCallerWaiting();

    read.settle('value');

    expect(await waiting).toBe('value');
    expect(read.signal()?.aborted).toBe(false);
  });

  it('rejects a caller with its own error when its signal aborts, with the reason', async () => {
    const { read, caller, waiting } = oneCallerWaiting();

    caller.abort('deadline');

    await expect(waiting).rejects.toMatchObject({ message: 'gave up', reason: 'deadline' });
    expect(read.signal()?.aborted).toBe(true);
  });

  it('does not abort a later read for callers of an earlier one that gave up after it ended', async () => {
    const { callers, read: first, caller, waiting } = oneCallerWaiting();
    first.settle('first');
    await waiting;
    first.end();
    const second = heldRead(callers);
    const laterCaller = new AbortController();
    const later = callers.wait(laterCaller.signal, second.join, gaveUp);

    caller.abort();
    second.settle('second');

    expect(await later).toBe('second');
    expect(second.signal()?.aborted).toBe(false);
  });

  it('fails a caller whose signal is already aborted without joining', async () => {
    const callers = new WaitingCallers();
    let joined = false;

    const waiting = callers.wait(
      AbortSignal.abort('late'),
      async () => {
        joined = true;
      },
      gaveUp,
    );

    await expect(waiting).rejects.toMatchObject({ reason: 'late' });
    expect(joined).toBe(false);
  });
});

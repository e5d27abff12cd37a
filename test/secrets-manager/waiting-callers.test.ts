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

  it('keeps the read going for a caller without a signal when every other caller gives up', async () => {
    const callers = new WaitingCallers();
    const read = heldRead(callers);
    const hurried = new AbortController();
    const patient = callers.wait(undefined, read.join, gaveUp);
    const leaving = callers.wait(hurried.signal, read.join, gaveUp);

    hurried.abort('deadline');
    await expect(leaving).rejects.toMatchObject({ reason: 'deadline' });

    expect(read.signal()?.aborted).toBe(false);
    read.settle('value');
    expect(await patient).toBe('value');
  });

  it('lets the end of an earlier read leave a later one in place, so giving up still aborts the later one', async () => {
    const callers = new WaitingCallers();
    const caller = new AbortController();
    const later = heldRead(callers);
    const waiting = callers.wait(caller.signal, later.join, gaveUp);
    // A cache restarting a fetch: a second read starts while the first has yet to settle, then the first ends.
    const earlier = callers.startRead();
    const current = callers.startRead();
    earlier.end();

    caller.abort('deadline');

    await expect(waiting).rejects.toMatchObject({ reason: 'deadline' });
    expect(current.signal.aborted).toBe(true);
    expect(earlier.signal.aborted).toBe(false);
  });

  it('aborts the read when every caller gives up at once, each still counted as waiting when the first leaves', async () => {
    const callers = new WaitingCallers();
    const read = heldRead(callers);
    const deadline = new AbortController();
    const first = callers.wait(deadline.signal, read.join, gaveUp);
    const second = callers.wait(deadline.signal, read.join, gaveUp);

    deadline.abort('deadline');

    await expect(first).rejects.toMatchObject({ reason: 'deadline' });
    await expect(second).rejects.toMatchObject({ reason: 'deadline' });
    expect(read.signal()?.aborted).toBe(true);
  });

  it('starts aborted a read the cache restarts right as its last caller gives up, before that caller has left', async () => {
    const callers = new WaitingCallers();
    const read = heldRead(callers);
    const caller = new AbortController();
    const waiting = callers.wait(caller.signal, read.join, gaveUp);

    caller.abort('deadline');
    // In the same turn, before the caller's wait has unwound: it is still in the set, with no time left.
    const restarted = callers.startRead();

    expect(restarted.signal.aborted).toBe(true);
    await expect(waiting).rejects.toMatchObject({ reason: 'deadline' });
  });
});

/**
 * Bounds a read that many callers share by their own deadlines, without handing any one caller's signal to it.
 *
 * The cache starts one read however many callers wait for it (single flight), and calls the read itself, with no
 * way to pass it a caller's context. Giving the read the signal of whoever started it would let that caller's
 * short deadline fail everyone else's read. Instead, each caller stops waiting when its own signal aborts, and
 * the read runs on its own signal, aborted once no caller waits for it any more: the last one to give up takes
 * the request, its back-off and its timers down with it, so nothing keeps the process alive for nobody.
 *
 * A caller without a signal keeps the read going until the read's own time limit.
 */
export class WaitingCallers {
  readonly #waiting = new Set<{ readonly signal: AbortSignal | undefined }>();
  #read: AbortController | undefined;

  /**
   * For the read, as it starts: its signal, aborted once every waiting caller has given up, and `end()` to call
   * when it settles. The caller that asked for the read is already waiting when this runs.
   */
  startRead(): { readonly signal: AbortSignal; end(): void } {
    const controller = new AbortController();
    this.#read = controller;
    // A read started again by the cache after everyone had left (a cache restarting a fetch) has nobody to serve.
    if (this.#abandoned()) controller.abort(new Error('no caller is waiting for the read'));
    return {
      signal: controller.signal,
      end: () => {
        if (this.#read === controller) this.#read = undefined;
      },
    };
  }

  /**
   * Waits for `join()` (a share of the read) until `signal` aborts, then rejects with `gaveUp(reason)` at once.
   * The caller counts as waiting from before `join` is called, so a read that `join` starts sees it.
   */
  async wait<T>(
    signal: AbortSignal | undefined,
    join: () => Promise<T>,
    gaveUp: (reason: unknown) => Error,
  ): Promise<T> {
    if (signal?.aborted) throw gaveUp(signal.reason);
    const waiter = { signal };
    this.#waiting.add(waiter);
    let stopWaiting: () => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => {
      if (signal === undefined) return;
      const onAbort = () => reject(gaveUp(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      stopWaiting = () => signal.removeEventListener('abort', onAbort);
    });
    try {
      return await Promise.race([join(), abandoned]);
    } finally {
      stopWaiting();
      this.#waiting.delete(waiter);
      if (signal?.aborted && this.#abandoned()) this.#read?.abort(signal.reason);
    }
  }

  /** Whether no caller that is still waiting has time left. */
  #abandoned(): boolean {
    for (const { signal } of this.#waiting) if (signal?.aborted !== true) return false;
    return true;
  }
}

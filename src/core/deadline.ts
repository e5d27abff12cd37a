/**
 * The time budget of one token operation (`timeoutMs`), shared by every request, back-off and credentials
 * load inside it. Built on plain timers rather than `AbortSignal.timeout` so fake timers drive it in tests.
 */
export class Deadline {
  readonly timeoutMs: number;
  readonly #endsAt: number;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #expired: Promise<never>;
  readonly #parent: AbortSignal | undefined;
  readonly #abortWithParent = () => this.#controller.abort(this.#parent?.reason);

  /**
   * @param parent A signal that ends this budget early: the caller's, when this budget is a part of a larger
   *   one (fromSsm's own read limit inside a provider's `timeoutMs`).
   */
  constructor(timeoutMs: number, parent?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#endsAt = Date.now() + timeoutMs;
    this.#expired = new Promise<never>((_, reject) => {
      this.#controller.signal.addEventListener('abort', () => reject(this.#controller.signal.reason));
    });
    // Callers that never race against the deadline must not see an unhandled rejection.
    this.#expired.catch(() => undefined);
    this.#timer = setTimeout(() => {
      const error = new Error(`timed out after ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      this.#controller.abort(error);
    }, timeoutMs);
    this.#parent = parent;
    if (parent?.aborted) this.#abortWithParent();
    else parent?.addEventListener('abort', this.#abortWithParent, { once: true });
  }

  /** Aborted when the budget runs out; hand it to the SDK's `send` and to `fetch`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  remainingMs(): number {
    return this.expired ? 0 : Math.max(0, this.#endsAt - Date.now());
  }

  /**
   * Settles with `work`, or rejects when the budget runs out first. The race matters for work that ignores
   * the abort signal, such as a user's own credentials source or SDK client.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#expired]);
  }

  /** Waits `ms`, or rejects as soon as the budget runs out. */
  sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return this.race(wait).finally(() => clearTimeout(timer));
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#abortWithParent);
  }
}

/**
 * Runs one token operation inside a fresh `timeoutMs` budget, and releases the budget's timer however the
 * operation ends, so a finished call leaves nothing behind to hold a Lambda's event loop open.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  operation: (deadline: Deadline) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const deadline = new Deadline(timeoutMs, parent);
  try {
    return await operation(deadline);
  } finally {
    deadline.dispose();
  }
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (it never rejects), and clears its timer either way: for
 * waits that end early without being a failure, such as a poll that the caller stops.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

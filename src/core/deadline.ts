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

  constructor(timeoutMs: number) {
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
  }

  /** Aborted when the budget runs out; hand it to the SDK's `send` and to `fetch`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  remainingMs(): number {
    return Math.max(0, this.#endsAt - Date.now());
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
  }
}

/**
 * Runs one token operation inside a fresh `timeoutMs` budget, and releases the budget's timer however the
 * operation ends, so a finished call leaves nothing behind to hold a Lambda's event loop open.
 */
export async function withDeadline<T>(timeoutMs: number, operation: (deadline: Deadline) => Promise<T>): Promise<T> {
  const deadline = new Deadline(timeoutMs);
  try {
    return await operation(deadline);
  } finally {
    deadline.dispose();
  }
}

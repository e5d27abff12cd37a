/**
 * Fault injection shared by the test endpoints (`counting-proxy.ts`, `ssm-endpoint.ts`): a plan of faults
 * consumed in order, and the HTTP-level behaviour of each fault.
 *
 * API: `FaultKind`, `FaultPlan`, `FaultQueue` (`set(plan)`, `take(operation)`), `injectFault(fault, req, res,
 * throttleType)` → the status and error type sent (both `undefined` for `reset` and `hang`).
 *
 * Faults:
 * - `throttle`: 400 with the service's throttling error (`TooManyRequestsException` for Cognito,
 *   `ThrottlingException` for SSM);
 * - `server-error`: 500 `InternalErrorException` (Cognito's 5xx; SSM's is `InternalServerError`);
 * - `error`: any status and error type;
 * - `reset`: the socket is destroyed without an answer (the client sees ECONNRESET / "socket hang up");
 * - `hang`: no answer ever; the connection stays open until the client aborts or the endpoint stops.
 *
 * @example
 * ```ts
 * const faults = new FaultQueue([{ fault: 'throttle', times: 2 }]);
 * const fault = faults.take('InitiateAuth');
 * if (fault !== undefined) injectFault(fault, req, res, 'TooManyRequestsException');
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAwsError } from './aws-json.js';

/** What a faulted request gets instead of a real answer. */
export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'hang' | 'error';

/** One entry of a fault plan. */
export interface FaultPlan {
  readonly fault: FaultKind;
  /** How many matching requests in a row it applies to. Default: every matching request from now on. */
  readonly times?: number;
  /** Only requests to this operation (`InitiateAuth`, `GetParameters`). Default: any. */
  readonly operation?: string;
  /** For `error`: the HTTP status. Default 400. */
  readonly status?: number;
  /** For `error`: the AWS error type. Default `InternalErrorException`. */
  readonly errorType?: string;
  /** The error message, for the faults that answer. */
  readonly message?: string;
}

/**
 * The remaining faults of a plan. The first entry that matches the operation and has uses left applies.
 *
 * @example
 * ```ts
 * const faults = new FaultQueue();
 * faults.set([{ fault: 'hang', operation: 'InitiateAuth' }]);
 * ```
 */
export class FaultQueue {
  #entries: { fault: FaultPlan; left: number }[] = [];

  constructor(plan: readonly FaultPlan[] = []) {
    this.set(plan);
  }

  /** Replaces the plan; `[]` ends every fault. */
  set(plan: readonly FaultPlan[]): void {
    this.#entries = plan.map((fault) => ({ fault, left: fault.times ?? Number.POSITIVE_INFINITY }));
  }

  /** The fault for this request, if any, using it up. */
  take(operation: string): FaultPlan | undefined {
    const entry = this.#entries.find(
      (candidate) =>
        candidate.left > 0 && (candidate.fault.operation === undefined || candidate.fault.operation === operation),
    );
    if (entry === undefined) return undefined;
    entry.left--;
    return entry.fault;
  }
}

/** What a faulted request was sent. */
export interface FaultOutcome {
  readonly status: number | undefined;
  readonly errorType: string | undefined;
}

/**
 * Applies one fault to a request whose body has been read.
 *
 * @example
 * ```ts
 * const { status } = injectFault({ fault: 'server-error' }, req, res, 'ThrottlingException');
 * ```
 */
export function injectFault(
  fault: FaultPlan,
  req: IncomingMessage,
  res: ServerResponse,
  throttleType: string,
): FaultOutcome {
  switch (fault.fault) {
    case 'throttle':
      sendAwsError(res, 400, throttleType, fault.message ?? 'Rate exceeded');
      return { status: 400, errorType: throttleType };
    case 'server-error':
      sendAwsError(res, 500, 'InternalErrorException', fault.message ?? 'Internal server error');
      return { status: 500, errorType: 'InternalErrorException' };
    case 'error': {
      const status = fault.status ?? 400;
      const errorType = fault.errorType ?? 'InternalErrorException';
      sendAwsError(res, status, errorType, fault.message ?? errorType);
      return { status, errorType };
    }
    case 'reset':
      req.socket.destroy();
      return { status: undefined, errorType: undefined };
    case 'hang':
      return { status: undefined, errorType: undefined };
  }
}

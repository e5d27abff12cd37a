/**
 * A thin HTTP layer in front of the Cognito emulator that behaves like real Cognito where the emulator does
 * not, counts every request, and injects faults. Tests, the demo, the benchmarks and the CLI tests point the
 * SDK at `proxy.endpoint` instead of the emulator's.
 *
 * API (stable; other helpers code against it):
 * - `startCognitoProxy({ target, clientSecrets?, faults? })` → {@link CognitoProxy}
 *   `{ endpoint, count(operation?, authFlow?), calls, issuedTokens(), setFaults(faults), resetCounts(), stop() }`.
 *
 * What it adds to the emulator:
 * - SECRET_HASH checked like Cognito for every client whose secret it is given: password sign-in over
 *   `USERNAME` as sent; REFRESH_TOKEN_AUTH over the user's real username (`cognito:username`). A wrong hash
 *   gets `NotAuthorizedException: Unable to verify secret hash for client <id>`, a missing one
 *   `NotAuthorizedException: Client <id> is configured with secret but SECRET_HASH was not received`.
 *   To know the user behind a refresh token it decodes the token, which only works because the emulator's
 *   refresh tokens are JWTs: real Cognito's are opaque, and the library never decodes them.
 * - GetTokensFromRefreshToken, which the emulator lacks: the raw `ClientSecret` is checked against the known
 *   secret, then the call is answered by the emulator's REFRESH_TOKEN_AUTH (no rotation: no new refresh token).
 * - A SigV4 `Authorization` header (its presence and shape, not the signature math) required on the IAM-signed
 *   operations (`Admin*`, `GetClientToken`, user pool administration); `ProxiedCall.signed` shows it for all.
 * - Faults, consumed in order before a request reaches the emulator: `throttle` (400 TooManyRequestsException),
 *   `server-error` (500 InternalErrorException), `reset` (the socket is destroyed without an answer), `hang`
 *   (no answer ever; the socket stays open until the client gives up or the proxy stops), and `error` (any
 *   status and AWS error type).
 *
 * Every request is counted, faulted ones included, so `count()` is the number of attempts a client made.
 *
 * @example
 * ```ts
 * const proxy = await startCognitoProxy({
 *   target: cognito.endpoint,
 *   clientSecrets: { [seed.withSecret.clientId]: seed.withSecret.clientSecret },
 *   faults: [{ fault: 'throttle', times: 2 }],
 * });
 * // ... createTokenProvider({ ..., clientConfig: clientConfigFor(proxy.endpoint) }) ...
 * expect(proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(3);
 * await proxy.stop();
 * ```
 */
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { AWS_JSON_11, operationOf, parseJsonObject, readBody, sendAwsError } from './aws-json.js';
import { type FaultKind, type FaultPlan, FaultQueue, injectFault } from './http-faults.js';
import { startLoopbackServer } from './loopback-server.js';
import { hmacSecretHash } from './secret-hash-oracle.js';
import { checkSigV4 } from './sigv4.js';

export type { FaultKind, FaultPlan } from './http-faults.js';

/** One request the proxy received. */
export interface ProxiedCall {
  /** The operation from `X-Amz-Target` (`InitiateAuth`). */
  readonly operation: string;
  /** `AuthFlow` of InitiateAuth and AdminInitiateAuth. */
  readonly authFlow: string | undefined;
  /** The fault injected instead of an answer, if any. */
  readonly fault: FaultKind | undefined;
  /** The HTTP status sent back; `undefined` for `reset` and `hang`. */
  readonly status: number | undefined;
  /** The AWS error type sent back, if the answer was an error. */
  readonly errorType: string | undefined;
  /** Whether the request carried a SigV4 `Authorization` header (InitiateAuth must not need one). */
  readonly signed: boolean;
}

/** Options of {@link startCognitoProxy}. */
export interface CognitoProxyOptions {
  /** The emulator's endpoint, `http://127.0.0.1:<port>`. */
  readonly target: string;
  /** Client ID → client secret, for the clients whose SECRET_HASH the proxy checks. */
  readonly clientSecrets?: Readonly<Record<string, string>>;
  /** The initial fault plan. */
  readonly faults?: readonly FaultPlan[];
}

/** A running proxy. */
export interface CognitoProxy {
  /** `http://127.0.0.1:<port>`, for `clientConfig.endpoint`. */
  readonly endpoint: string;
  /** Requests received since start or {@link CognitoProxy.resetCounts}, optionally for one operation and flow. */
  count(operation?: string, authFlow?: string): number;
  /** Every request since start or {@link CognitoProxy.resetCounts}, oldest first. */
  readonly calls: readonly ProxiedCall[];
  /** Every ID, access and refresh token the emulator issued through this proxy: input for leak scans. */
  issuedTokens(): readonly string[];
  /** Replaces the fault plan; `[]` ends all faults. */
  setFaults(faults: readonly FaultPlan[]): void;
  /** Forgets the counted calls (not the issued tokens). */
  resetCounts(): void;
  /** Closes the listener and every open connection, hanging ones included. */
  stop(): Promise<void>;
}

const SIGNED_OPERATIONS = /^(Admin|GetClientToken$|CreateUserPool|DescribeUserPool)/;

/**
 * Starts the proxy on a free loopback port.
 *
 * @example
 * ```ts
 * const proxy = await startCognitoProxy({ target: cognito.endpoint });
 * afterAll(() => proxy.stop());
 * ```
 */
export async function startCognitoProxy(options: CognitoProxyOptions): Promise<CognitoProxy> {
  const target = new URL(options.target);
  const secrets = new Map(Object.entries(options.clientSecrets ?? {}));
  const faults = new FaultQueue(options.faults);
  const calls: ProxiedCall[] = [];
  const issued = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = operationOf(req);
    const input = parseJsonObject(body);
    const authFlow = typeof input.AuthFlow === 'string' ? input.AuthFlow : undefined;
    const signed = req.headers.authorization !== undefined;
    const record = (call: Omit<ProxiedCall, 'operation' | 'authFlow' | 'signed'>) =>
      calls.push({ operation, authFlow, signed, ...call });

    const fault = faults.take(operation);
    if (fault !== undefined) {
      record({ fault: fault.fault, ...injectFault(fault, req, res, 'TooManyRequestsException') });
      return;
    }
    // Admin* operations are IAM-signed; the emulator accepts anything, Cognito does not.
    const unsigned = SIGNED_OPERATIONS.test(operation)
      ? checkSigV4(
          { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
          { service: 'cognito-idp', credentials: 'any' },
        )
      : undefined;
    if (unsigned !== undefined) {
      record({ fault: undefined, status: 400, errorType: unsigned.errorType });
      sendAwsError(res, 400, unsigned.errorType, unsigned.message);
      return;
    }
    const rejection = checkSecret(operation, input, secrets);
    if (rejection !== undefined) {
      record({ fault: undefined, status: 400, errorType: 'NotAuthorizedException' });
      sendAwsError(res, 400, 'NotAuthorizedException', rejection);
      return;
    }
    const [forwardOperation, forwardBody] =
      operation === 'GetTokensFromRefreshToken'
        ? ['InitiateAuth', JSON.stringify(asRefreshTokenAuth(input))]
        : [operation, body.toString('utf8')];
    const answer = await forward(target, req, forwardOperation, forwardBody);
    const output = parseJsonObject(answer.body);
    const result = output.AuthenticationResult as Record<string, unknown> | undefined;
    for (const key of ['IdToken', 'AccessToken', 'RefreshToken']) {
      const token = result?.[key];
      if (typeof token === 'string') issued.add(token);
    }
    const errorType = answer.status >= 400 ? String(output.__type ?? 'UnknownError') : undefined;
    record({ fault: undefined, status: answer.status, errorType });
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? AWS_JSON_11 });
    res.end(answer.body);
  }

  const server = await startLoopbackServer(handle, 'InternalErrorException');
  return {
    endpoint: server.endpoint,
    count: (operation, authFlow) =>
      calls.filter(
        (call) =>
          (operation === undefined || call.operation === operation) &&
          (authFlow === undefined || call.authFlow === authFlow),
      ).length,
    get calls() {
      return [...calls];
    },
    issuedTokens: () => [...issued],
    setFaults: (plan) => faults.set(plan),
    resetCounts: () => {
      calls.length = 0;
    },
    stop: server.stop,
  };
}

/** Returns Cognito's rejection message when the request's secret does not match, otherwise `undefined`. */
function checkSecret(
  operation: string,
  input: Record<string, unknown>,
  secrets: ReadonlyMap<string, string>,
): string | undefined {
  const clientId = typeof input.ClientId === 'string' ? input.ClientId : '';
  const secret = secrets.get(clientId);
  if (secret === undefined) return undefined;
  if (operation === 'GetTokensFromRefreshToken') {
    return input.ClientSecret === secret ? undefined : `Unable to verify secret hash for client ${clientId}`;
  }
  let parameters: Record<string, unknown>;
  let username: unknown;
  if (operation === 'InitiateAuth' || operation === 'AdminInitiateAuth') {
    parameters = (input.AuthParameters ?? {}) as Record<string, unknown>;
    const refresh = input.AuthFlow === 'REFRESH_TOKEN_AUTH' || input.AuthFlow === 'REFRESH_TOKEN';
    username = refresh ? usernameInEmulatorRefreshToken(parameters.REFRESH_TOKEN) : parameters.USERNAME;
  } else if (operation === 'RespondToAuthChallenge' || operation === 'AdminRespondToAuthChallenge') {
    parameters = (input.ChallengeResponses ?? {}) as Record<string, unknown>;
    username = parameters.USERNAME;
  } else {
    return undefined;
  }
  const sent = parameters.SECRET_HASH;
  if (typeof sent !== 'string' || sent === '') {
    return `Client ${clientId} is configured with secret but SECRET_HASH was not received`;
  }
  if (typeof username !== 'string') return `Unable to verify secret hash for client ${clientId}`;
  const expected = Buffer.from(hmacSecretHash(username, { clientId, clientSecret: secret }));
  const actual = Buffer.from(sent);
  const matches = actual.length === expected.length && timingSafeEqual(actual, expected);
  return matches ? undefined : `Unable to verify secret hash for client ${clientId}`;
}

// Test-layer knowledge only: the emulator's refresh tokens are JWTs carrying cognito:username. Real Cognito's
// are encrypted, and Cognito looks the user up server-side; the library must never do this.
function usernameInEmulatorRefreshToken(refreshToken: unknown): string | undefined {
  if (typeof refreshToken !== 'string') return undefined;
  try {
    const payload = JSON.parse(Buffer.from(refreshToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const username = payload?.['cognito:username'];
    return typeof username === 'string' ? username : undefined;
  } catch {
    return undefined;
  }
}

function asRefreshTokenAuth(input: Record<string, unknown>): Record<string, unknown> {
  return {
    ClientId: input.ClientId,
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: input.RefreshToken },
  };
}

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

function forward(target: URL, req: IncomingMessage, operation: string, body: string): Promise<Answer> {
  const headers = {
    ...req.headers,
    host: target.host,
    'content-length': String(Buffer.byteLength(body)),
    'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
  };
  delete headers['transfer-encoding'];
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = request(
      { hostname: target.hostname, port: target.port, path: req.url ?? '/', method: req.method ?? 'POST', headers },
      (incoming) => {
        readBody(incoming).then(
          (answer) =>
            resolve({
              status: incoming.statusCode ?? 502,
              contentType: incoming.headers['content-type'],
              body: answer,
            }),
          reject,
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

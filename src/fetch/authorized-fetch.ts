import { rejectUnknownOptions } from '../core/known-options.js';
import { CognitoTokenError, configurationError } from '../errors.js';

/**
 * A function with the signature of the global `fetch`: what {@link createAuthorizedFetch} takes as its
 * `fetch` option and returns.
 *
 * @example
 * ```ts
 * import { createAuthorizedFetch, type FetchFunction, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
 * const apiFetch: FetchFunction = createAuthorizedFetch(tokens);
 * const response = await apiFetch('https://api.example.com/orders');
 * ```
 */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * What {@link createAuthorizedFetch} needs from a provider with `token: 'access'`: any object that can hand out
 * an access token and force a renewal. The machine-to-machine provider fits, and so does a user provider.
 *
 * @example
 * ```ts
 * import type { AccessTokenSource } from 'cognito-token-provider';
 * declare function currentToken(): Promise<string>;
 * declare function renewToken(): Promise<string>;
 * const source: AccessTokenSource = {
 *   getAccessToken: currentToken,
 *   refresh: async () => ({ accessToken: await renewToken() }),
 * };
 * ```
 */
export interface AccessTokenSource {
  /** A valid access token, the one sent with `token: 'access'`. */
  getAccessToken(): Promise<string>;
  /** Renews now, even if the cached token looks fresh; resolves with the new tokens. */
  refresh(): Promise<{
    /** The renewed access token. */
    readonly accessToken: string;
  }>;
}

/**
 * What {@link createAuthorizedFetch} needs from a provider with `token: 'id'` (the default). The provider made
 * by `createTokenProvider` fits.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type IdTokenSource, type UserCredentials } from 'cognito-token-provider';
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const source: IdTokenSource = createTokenProvider({ clientId, credentials });
 * ```
 */
export interface IdTokenSource extends AccessTokenSource {
  /** A valid ID token, the one sent with `token: 'id'` (the default). */
  getIdToken(): Promise<string>;
  /** Renews now, even if the cached tokens look fresh; resolves with the new tokens. */
  refresh(): Promise<{
    /** The renewed access token. */
    readonly accessToken: string;
    /** The renewed ID token. */
    readonly idToken: string;
  }>;
}

/**
 * Options of {@link createAuthorizedFetch}.
 *
 * @example
 * ```ts
 * import type { AuthorizedFetchOptions } from 'cognito-token-provider';
 * const options: AuthorizedFetchOptions = { token: 'access', scheme: 'Bearer' };
 * ```
 */
export interface AuthorizedFetchOptions {
  /**
   * Which token to send. Default `'id'`, what a REST API Cognito authorizer without scopes expects. Use
   * `'access'` for APIs that check OAuth scopes and for machine-to-machine providers, which have no ID token.
   */
  readonly token?: 'id' | 'access' | undefined;
  /**
   * How the `Authorization` header carries the token. Default `'none'`: the raw token, which both API Gateway
   * authorizers accept (a REST API Cognito authorizer reads the header as the token; an HTTP API JWT
   * authorizer takes the token alone or prefixed with `Bearer`). `'Bearer'` sends `Bearer <token>`, as most
   * other OAuth 2.0 resource servers expect.
   */
  readonly scheme?: 'Bearer' | 'none' | undefined;
  /** The `fetch` to wrap. Default: the global `fetch`, looked up on each call. */
  readonly fetch?: FetchFunction | undefined;
}

/**
 * Wraps `fetch` so every request carries a Cognito token in its `Authorization` header.
 *
 * - A request that already has an `Authorization` header is sent untouched and never retried: an explicit
 *   header is the caller's decision.
 * - A `401` answer means the API no longer accepts the token, even if it has not expired yet (revoked, or
 *   the clocks disagree). The wrapper then renews with `provider.refresh()` (a renewal from the refresh
 *   token, not a password sign-in, while the refresh token is valid) and sends the request once more. It
 *   does so only when the body can be sent again: no body, a string, `URLSearchParams`, an `ArrayBuffer` or
 *   typed array, a `Blob`, `FormData`, or a `Request` (cloned before the first send). A `ReadableStream` or
 *   async-iterable body cannot be replayed, so its `401` is returned as it is.
 * - No other status is ever retried, and the second answer is returned whatever it is.
 * - If the renewed token is refused with `401` too, the API is refusing more than a stale token: for the next
 *   30 seconds, no call forces another renewal of that provider's token, and a `401` to its current token is
 *   returned as it is. (Forced M2M renewals are billed token requests.)
 * - If the renewal fails, the call rejects with the provider's `CognitoTokenError`.
 *
 * @example
 * ```ts
 * import { createAuthorizedFetch, createTokenProvider, type UserCredentials } from 'cognito-token-provider';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const tokens = createTokenProvider({ clientId, credentials });
 * const apiFetch = createAuthorizedFetch(tokens);
 *
 * export const handler = async () => {
 *   const response = await apiFetch('https://api.example.com/orders', { method: 'POST', body: '{"id":1}' });
 *   return { statusCode: response.status, body: await response.text() };
 * };
 * ```
 */
export function createAuthorizedFetch(provider: IdTokenSource, options?: AuthorizedFetchOptions): FetchFunction;
export function createAuthorizedFetch(
  provider: AccessTokenSource,
  options: AuthorizedFetchOptions & { readonly token: 'access' },
): FetchFunction;
export function createAuthorizedFetch(provider: AnyTokenSource, options: AuthorizedFetchOptions = {}): FetchFunction {
  const { token, scheme, wrapped } = resolveOptions(provider, options);
  const current = (): Promise<string> =>
    token === 'id' ? (provider.getIdToken as () => Promise<string>).call(provider) : provider.getAccessToken();
  const renewed = async (): Promise<string> => {
    const tokens = await provider.refresh();
    const value = token === 'id' ? tokens.idToken : tokens.accessToken;
    if (typeof value !== 'string' || value === '') {
      throw new CognitoTokenError('ERR_UNAVAILABLE', `The provider's refresh() returned no ${token} token`);
    }
    return value;
  };
  const headerValue = (value: string) => (scheme === 'Bearer' ? `Bearer ${value}` : value);

  return async (input, init) => {
    const send = wrapped ?? globalThis.fetch;
    const request = prepare(input, init);
    if (request === undefined) return send(input, init);

    try {
      const sent = await current();
      const response = await send(...request.first(headerValue(sent)));
      if (response.status !== 401 || request.replay === undefined) {
        request.discard();
        return response;
      }
      // Several requests can fail with the same stale token: only the first renews, the others pick up its result.
      const latest = await current();
      if (latest === sent && Date.now() < (refusedUntil.get(provider) ?? 0)) {
        // A renewed token was refused too, moments ago: the API refuses more than the token, and every forced
        // renewal of an M2M token is a billed request. The caller gets the API's answer as it is.
        request.discard();
        return response;
      }
      // Free the connection before waiting on Cognito; the caller never sees this response.
      await response.body?.cancel().catch(ignore);
      const forced = latest === sent;
      const next = forced ? await renewed() : latest;
      const retried = await send(...request.replay(headerValue(next)));
      if (forced && retried.status === 401) refusedUntil.set(provider, Date.now() + REFUSED_RENEWAL_PAUSE_MS);
      if (retried.status !== 401) refusedUntil.delete(provider);
      return retried;
    } catch (error) {
      // Whichever step failed, no retry follows: let the copy kept for one go.
      request.discard();
      throw error;
    }
  };
}

/**
 * How long a provider whose freshly renewed token an API also refused gets no forced renewal from any wrapper:
 * the API is refusing something a new token cannot fix (a missing scope, a wrong audience), and renewing on
 * every call would turn each call into a token request (billed, for M2M clients) and into quota pressure.
 */
const REFUSED_RENEWAL_PAUSE_MS = 30_000;

// Per provider rather than per wrapper: two wrappers around one provider share its token, and its renewals.
const refusedUntil = new WeakMap<object, number>();

/** The shape both overloads accept, as the implementation sees it. */
interface AnyTokenSource {
  getIdToken?(): Promise<string>;
  getAccessToken(): Promise<string>;
  refresh(): Promise<{ readonly accessToken: string; readonly idToken?: string }>;
}

function resolveOptions(provider: AnyTokenSource, options: AuthorizedFetchOptions) {
  if (typeof options !== 'object' || options === null) throw configurationError('options', 'must be an object');
  rejectUnknownOptions(options, ['token', 'scheme', 'fetch'], 'createAuthorizedFetch');
  const token = options.token ?? 'id';
  const scheme = options.scheme ?? 'none';
  if (token !== 'id' && token !== 'access') throw configurationError('token', "must be 'id' or 'access'");
  if (scheme !== 'Bearer' && scheme !== 'none') throw configurationError('scheme', "must be 'Bearer' or 'none'");
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw configurationError('fetch', 'must be a function with the signature of fetch');
  }
  if (typeof provider !== 'object' || provider === null || typeof provider.refresh !== 'function') {
    throw configurationError('provider', 'must be a token provider with a refresh() method');
  }
  const getter = token === 'id' ? 'getIdToken' : 'getAccessToken';
  if (typeof provider[getter] !== 'function') {
    const hint = token === 'id' ? ": machine-to-machine providers have no ID token, pass { token: 'access' }" : '';
    throw configurationError('provider', `has no ${getter}() method${hint}`);
  }
  return { token, scheme, wrapped: options.fetch };
}

type FetchArguments = [input: string | URL | Request, init?: RequestInit];

interface PreparedRequest {
  /** The arguments of the first send, carrying `authorization`. */
  first(authorization: string): FetchArguments;
  /** The arguments of the retry, or `undefined` when the body cannot be sent twice. */
  readonly replay: ((authorization: string) => FetchArguments) | undefined;
  /** Releases what was kept for a retry that will not happen. */
  discard(): void;
}

/** Plans the sends of one call, or returns `undefined` when the caller set `Authorization` themselves. */
function prepare(input: string | URL | Request, init: RequestInit | undefined): PreparedRequest | undefined {
  if (input instanceof Request) return prepareRequest(init === undefined ? input : new Request(input, init));
  const headers = new Headers(init?.headers);
  if (headers.has('authorization')) return undefined;
  const withAuthorization = (authorization: string): FetchArguments => {
    const authorized = new Headers(headers);
    authorized.set('authorization', authorization);
    return [input, { ...init, headers: authorized }];
  };
  return {
    first: withAuthorization,
    replay: isReplayableBody(init?.body) ? withAuthorization : undefined,
    discard: () => undefined,
  };
}

function prepareRequest(request: Request): PreparedRequest | undefined {
  if (request.headers.has('authorization')) return undefined;
  // A used body cannot be sent at all; let fetch report that as it would without the wrapper.
  const spare = request.bodyUsed ? undefined : request.clone();
  return {
    first: (authorization) => {
      // A new Request rather than a changed one: the caller's Request is theirs.
      const headers = new Headers(request.headers);
      headers.set('authorization', authorization);
      return [new Request(request, { headers })];
    },
    replay:
      spare === undefined
        ? undefined
        : (authorization) => {
            // The spare itself is sent, so its body stays where discard() can still release it if the send fails.
            spare.headers.set('authorization', authorization);
            return [spare];
          },
    // The clone tees the body; cancelling the unused branch lets its buffered copy go. A body fetch is already
    // reading is locked, and refuses: nothing to release then.
    discard: () => void spare?.body?.cancel().catch(ignore),
  };
}

// Releasing a body is housekeeping: if the stream refuses (a custom fetch may hand back a locked one), move on.
function ignore(): undefined {
  return undefined;
}

/** Bodies that fetch can send any number of times, because it reads them afresh on each send. */
function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData
  );
}

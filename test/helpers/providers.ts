// Builds the providers and the mocked SDK the unit tests share, so each test states only what differs.
import {
  type AuthFlowType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-cognito-identity-provider';
import { type AwsCommand, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, vi } from 'vitest';
import { RETRY_POLICY_OPTION, type RetryPolicy } from '../../src/core/deadline.js';
import {
  type ClientTokenProvider,
  type ClientTokenProviderOptions,
  createClientTokenProvider,
  createTokenProvider,
  shareTokenStore,
  type TokenProvider,
  type TokenProviderOptions,
  type TokenStore,
} from '../../src/index.js';
import { cognitoTokens } from './fake-jwt.js';

export const CLIENT_ID = '4rtbp1kcm0example';
export const M2M_CLIENT_ID = '1example23456789';
export const M2M_CLIENT_SECRET = 'm2m-client-secret-value-31';
export const USERNAME = 'svc-orders';
export const PASSWORD = 'Pa55word-of-the-service';
export const REGION = 'eu-west-1';
/** The user pool of the user-provider tests that name one (SRP, devices, challenges), in {@link REGION}. */
export const USER_POOL_ID = 'eu-west-1_Provider1';
/** The user app client's secret in the provider tests: a canary that no output may show. */
export const CLIENT_SECRET = 'user-client-secret-value-53';
/** The user's real username (a UUID, the cognito:username claim): Cognito names it when the sign-in used an alias. */
export const USER_ID = '3c2b1a09-8f7e-4d6c-9b5a-493827161504';
/** The Session that the mocked Cognito challenges carry. */
export const SESSION = 'challenge-session-blob-0042';
/**
 * A PASSWORD_VERIFIER challenge as Cognito sends it to {@link USER_ID} after USER_SRP_AUTH (B well inside the group,
 * any salt).
 */
export const PASSWORD_VERIFIER = {
  ChallengeName: 'PASSWORD_VERIFIER' as const,
  Session: SESSION,
  ChallengeParameters: {
    USER_ID_FOR_SRP: USER_ID,
    SALT: 'a1b2c3d4e5f60718',
    SRP_B: '7f'.repeat(256),
    SECRET_BLOCK: Buffer.from('secret-block-from-cognito').toString('base64'),
  },
};
/** The fake clock's start in every provider test. */
export const START = new Date('2026-11-26T09:00:00Z');

/** Back-off of a millisecond or two, for tests about what is retried rather than how long it waits. */
export const FAST_RETRIES: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 };

/** Provider options plus `retryPolicy`, which replaces the default back-off through RETRY_POLICY_OPTION. */
type WithRetryPolicy<T> = Partial<T> & { readonly retryPolicy?: RetryPolicy };

function withPolicy<T>(options: Record<string, unknown>, retryPolicy: RetryPolicy | undefined): T {
  return (retryPolicy === undefined ? options : { ...options, [RETRY_POLICY_OPTION]: retryPolicy }) as T;
}

/** A user provider for svc-orders in eu-west-1 with a static password; `overrides` replace any of it. */
export function userProvider(overrides: WithRetryPolicy<TokenProviderOptions> = {}): TokenProvider {
  const { retryPolicy, ...options } = overrides;
  return createTokenProvider(
    withPolicy<TokenProviderOptions>(
      { clientId: CLIENT_ID, region: REGION, credentials: { username: USERNAME, password: PASSWORD }, ...options },
      retryPolicy,
    ),
  );
}

/**
 * One instance of a fleet that shares its tokens through `store`: a user provider for svc-orders in
 * {@link USER_POOL_ID} with {@link CLIENT_SECRET} (from which the entries' sealing key is derived). `overrides`
 * replace any of it.
 */
export function fleetInstance(store: TokenStore, overrides: WithRetryPolicy<TokenProviderOptions> = {}): TokenProvider {
  return userProvider({
    userPoolId: USER_POOL_ID,
    credentials: { username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET },
    sharedCache: shareTokenStore(store),
    ...overrides,
  });
}

/**
 * An M2M provider for the test app client: a fixed client secret unless `credentials` is given, and GetClientToken in
 * eu-west-1 unless `domain`, `tokenEndpoint` or `client` is given (each excludes `region`). `overrides` replace any
 * of it.
 */
export function clientProvider(
  overrides: WithRetryPolicy<ClientTokenProviderOptions> & { readonly clientSecret?: string } = {},
): ClientTokenProvider {
  const { retryPolicy, ...options } = overrides;
  const defaults: Record<string, unknown> = { clientId: M2M_CLIENT_ID };
  if (!('credentials' in options)) defaults.clientSecret = M2M_CLIENT_SECRET;
  if (!('domain' in options || 'tokenEndpoint' in options || 'client' in options)) defaults.region = REGION;
  return createClientTokenProvider(withPolicy<ClientTokenProviderOptions>({ ...defaults, ...options }, retryPolicy));
}

/** A client mock (from `mockClient`) for the whole file: reset before each test, restored after the file. */
export function mockForFile<T extends { reset(): unknown; restore(): unknown }>(stub: T): T {
  beforeEach(() => {
    stub.reset();
  });
  afterAll(() => {
    stub.restore();
  });
  return stub;
}

/** The Cognito client mocked for the whole file: reset before each test, restored after the file. */
export const mockCognito = () => mockForFile(mockClient(CognitoIdentityProviderClient));

/** Fake timers from {@link START} in each test of the file (or describe block) that calls this. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * The set-up most provider suites share: the Cognito client mocked for the file (reset before each test) and fake
 * timers from {@link START} in each test. Returns the mock.
 */
export function mockCognitoOnFakeClock(): ReturnType<typeof mockCognito> {
  const cognito = mockCognito();
  useFakeClock();
  return cognito;
}

/** A mock in place of the global fetch in each test of the file (or describe block) that calls this. */
export function useFetchMock() {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  return fetchMock;
}

/** A mock answer that comes `ms` after the request: `answer`'s value, or what it throws. */
export const answerAfter =
  <T>(ms: number, answer: () => T) =>
  async (): Promise<T> => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return answer();
  };

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An InitiateAuth answer for `username` (default svc-orders) issued now; `serial` tells successive ones apart. */
export function authResult(
  options: { username?: string; lifetimeSeconds?: number; serial?: number; withoutRefreshToken?: boolean } = {},
) {
  const { withoutRefreshToken, username = USERNAME, ...rest } = options;
  const { RefreshToken, ...tokens } = cognitoTokens({ username, nowSeconds: nowSeconds(), ...rest });
  return { AuthenticationResult: withoutRefreshToken ? tokens : { ...tokens, RefreshToken } };
}

/** The refresh token that {@link authResult} issues with `serial`. */
export const refreshTokenOf = (serial: number) => `opaque-refresh-token-${serial}-ZXhhbXBsZQ`;

/** The `serial` claim of a token built by the fake-jwt helpers. */
export const serialOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()).serial as number;

/** The InitiateAuth calls the mock received with this AuthFlow. */
export function initiateAuthCalls(cognito: ReturnType<typeof mockCognito>, flow: string) {
  return cognito.commandCalls(InitiateAuthCommand).filter((call) => call.args[0].input.AuthFlow === flow);
}

/**
 * The two behaviours of the mocked `command` (InitiateAuth or AdminInitiateAuth) that a renewal test sets: the
 * password sign-in under `passwordFlow`, and REFRESH_TOKEN_AUTH; each for the test to give its own answers.
 */
export function signInAndRefresh<
  TInput extends ServiceInputTypes & { AuthFlow: AuthFlowType | undefined },
  TOutput extends ServiceOutputTypes,
>(
  cognito: ReturnType<typeof mockCognito>,
  command: new (input: TInput) => AwsCommand<TInput, TOutput>,
  passwordFlow: AuthFlowType,
) {
  return {
    signIn: cognito.on(command, { AuthFlow: passwordFlow } as Partial<TInput>),
    refresh: cognito.on(command, { AuthFlow: 'REFRESH_TOKEN_AUTH' } as Partial<TInput>),
  };
}

/**
 * Lets everything a constructor might have started run: microtasks, timers (fake or real) and a turn of the
 * event loop. A check for "no I/O" made synchronously would pass even if the constructor fired a request.
 */
export async function flushPendingWork(): Promise<void> {
  if (vi.isFakeTimers()) await vi.runAllTimersAsync();
  else await new Promise((resolve) => setImmediate(resolve));
}

type CognitoModule = typeof import('@aws-sdk/client-cognito-identity-provider');

/**
 * The package root imported afresh against an SDK without `command`, as an older
 * @aws-sdk/client-cognito-identity-provider would be. Call {@link forgetOldSdk} after each such test.
 */
export async function packageWithOldSdk(
  command: 'GetClientTokenCommand' | 'GetTokensFromRefreshTokenCommand',
): Promise<typeof import('../../src/index.js')> {
  vi.resetModules();
  vi.doMock('@aws-sdk/client-cognito-identity-provider', async (importOriginal) => {
    const sdk = await importOriginal<CognitoModule>();
    // Vitest's module mock throws on reading an export it lacks, where a real namespace object gives
    // undefined; an explicit undefined reproduces what the package sees with an older SDK.
    return { ...sdk, [command]: undefined };
  });
  return import('../../src/index.js');
}

/** Undoes {@link packageWithOldSdk}, so later imports see the installed SDK again. */
export function forgetOldSdk(): void {
  vi.doUnmock('@aws-sdk/client-cognito-identity-provider');
  vi.resetModules();
}

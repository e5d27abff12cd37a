// createTokenProvider's sign-in flows over HTTP, through the real SDK, against the test server that implements
// Cognito's side of USER_SRP_AUTH, USER_AUTH and SOFTWARE_TOKEN_MFA (harness/cognito-srp-server.ts, itself
// checked against amazon-cognito-identity-js in srp-server.test.ts). cognito-local has none of these flows.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { findLeaks, secretFragments } from '../../harness/leak-scan.js';
import { runProcess } from '../../harness/run-process.js';
import {
  ChallengeRequiredError,
  CognitoTokenError,
  type CognitoTokens,
  createTokenProvider,
  decodeJwtClaims,
  type TokenProviderOptions,
} from '../../src/index.js';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import { useSrpServers } from '../helpers/cognito-stack-hooks.js';

const USER_POOL_ID = 'eu-west-1_FlowTests4';
const ROBOT_EMAIL = 'robot@example.com';
const ROBOT = { username: '8c3e1f2a-4b5d-4c6e-9f70-81a2b3c4d5e6', password: 'Quote"And\\Backslash-Pa55' };
const MFA_ROBOT = { username: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', password: 'Mfa-Robot-Pa55word!' };
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const MFA_CREDENTIALS = { ...MFA_ROBOT, totpSecret: TOTP_SECRET };
const CLIENT_SECRET = 'flow-tests-client-secret-0123456789abcdef';
const DEFAULT_CLIENT_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'];
const ALL_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

let server: CognitoSrpServer;

useSrpServers(
  [
    {
      userPoolId: USER_POOL_ID,
      clients: [
        { clientId: 'public-client', explicitAuthFlows: ALL_FLOWS },
        { clientId: 'secret-client', clientSecret: CLIENT_SECRET, explicitAuthFlows: ALL_FLOWS },
        { clientId: 'srp-only', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        { clientId: 'password-only', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        { clientId: 'choice-password-only', explicitAuthFlows: ['ALLOW_USER_AUTH'], userAuthChallenges: ['PASSWORD'] },
        { clientId: 'choice-srp-only', explicitAuthFlows: ['ALLOW_USER_AUTH'], userAuthChallenges: ['PASSWORD_SRP'] },
        // What an app client made through the API or CDK without ExplicitAuthFlows allows.
        { clientId: 'default-client', explicitAuthFlows: DEFAULT_CLIENT_FLOWS },
      ],
      users: [
        { username: ROBOT.username, aliases: [ROBOT_EMAIL], password: ROBOT.password },
        { ...MFA_ROBOT, totpSecret: TOTP_SECRET, mfa: 'SOFTWARE_TOKEN_MFA' },
      ],
    },
  ],
  (started) => {
    [server] = started;
  },
);

function provider(overrides: Partial<TokenProviderOptions> & Pick<TokenProviderOptions, 'credentials'>) {
  return createTokenProvider({
    clientId: 'public-client',
    userPoolId: USER_POOL_ID,
    clientConfig: { endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    ...overrides,
  } as TokenProviderOptions);
}

const operations = () => server.requests.map((request) => request.operation);
/** The SOFTWARE_TOKEN_MFA codes the server was sent, in order. */
const mfaCodesSent = () =>
  server.requests
    .filter((request) => request.body.ChallengeName === 'SOFTWARE_TOKEN_MFA')
    .map((request) => (request.body.ChallengeResponses as Record<string, string>).SOFTWARE_TOKEN_MFA_CODE);

async function failureOf(promise: Promise<unknown>): Promise<CognitoTokenError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof CognitoTokenError)) throw new Error(`expected a CognitoTokenError, got ${inspect(error)}`);
  return error;
}

function usernameOf(tokens: CognitoTokens): unknown {
  return decodeJwtClaims(tokens.idToken)['cognito:username'];
}

describe("flow: 'user-srp'", () => {
  it('signs in with USER_SRP_AUTH and PASSWORD_VERIFIER, never sending the password', async () => {
    const tokens = await provider({ flow: 'user-srp', credentials: ROBOT }).getTokens();

    expect(usernameOf(tokens)).toBe(ROBOT.username);
    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    expect(server.requests[0]?.body).toMatchObject({ AuthFlow: 'USER_SRP_AUTH' });
    expect(JSON.stringify(server.requests)).not.toContain(ROBOT.password);
    expect(JSON.stringify(server.requests)).not.toContain(JSON.stringify(ROBOT.password).slice(1, -1));
  });

  it('signs in through an email alias to a client with a secret, hashing the challenge over USER_ID_FOR_SRP', async () => {
    const tokens = await provider({
      flow: 'user-srp',
      clientId: 'secret-client',
      credentials: { username: ROBOT_EMAIL, password: ROBOT.password, clientSecret: CLIENT_SECRET },
    }).getTokens();

    // The server refuses a SECRET_HASH over the alias on the challenge response, as Cognito does.
    expect(usernameOf(tokens)).toBe(ROBOT.username);
    expect(tokens.username).toBe(ROBOT.username);
    expect(server.requests[1]?.body).toMatchObject({ ChallengeResponses: { USERNAME: ROBOT.username } });
  });

  it('renews with the refresh token, hashed over cognito:username, without signing in again', async () => {
    const tokens = provider({
      flow: 'user-srp',
      clientId: 'secret-client',
      credentials: { username: ROBOT_EMAIL, password: ROBOT.password, clientSecret: CLIENT_SECRET },
    });
    const first = await tokens.getTokens();

    const renewed = await tokens.refresh();

    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'InitiateAuth']);
    expect(server.requests[2]?.body).toMatchObject({ AuthFlow: 'REFRESH_TOKEN_AUTH' });
    expect(renewed.idToken).not.toBe(first.idToken);
  });

  it('is ERR_AUTHENTICATION for a wrong password', async () => {
    const error = await failureOf(
      provider({ flow: 'user-srp', credentials: { ...ROBOT, password: 'wrong-Pa55' } }).getIdToken(),
    );

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.message).toContain('Incorrect username or password');
  });

  it('needs userPoolId, checked at construction', () => {
    expect(() =>
      createTokenProvider({ clientId: 'c', region: 'eu-west-1', flow: 'user-srp', credentials: ROBOT }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"userPoolId"') }));
  });
});

describe("flow: 'user-auth'", () => {
  it('prefers PASSWORD_SRP when userPoolId is given', async () => {
    await provider({ flow: 'user-auth', credentials: ROBOT }).getIdToken();

    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    expect(server.requests[0]?.body).toMatchObject({
      AuthFlow: 'USER_AUTH',
      AuthParameters: { PREFERRED_CHALLENGE: 'PASSWORD_SRP' },
    });
  });

  it('prefers PASSWORD without a user pool ID', async () => {
    const tokens = await provider({
      flow: 'user-auth',
      userPoolId: undefined,
      clientConfig: { endpoint: server.endpoint, region: 'eu-west-1' },
      credentials: ROBOT,
    }).getTokens();

    expect(usernameOf(tokens)).toBe(ROBOT.username);
    expect(operations()).toEqual(['InitiateAuth']);
    expect(server.requests[0]?.body).toMatchObject({ AuthParameters: { PREFERRED_CHALLENGE: 'PASSWORD' } });
  });

  it('answers SELECT_CHALLENGE with PASSWORD when the pool does not offer SRP', async () => {
    await provider({ flow: 'user-auth', clientId: 'choice-password-only', credentials: ROBOT }).getIdToken();

    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    expect(server.requests[1]?.body).toMatchObject({
      ChallengeName: 'SELECT_CHALLENGE',
      ChallengeResponses: { ANSWER: 'PASSWORD', USERNAME: ROBOT.username },
    });
  });

  it('answers SELECT_CHALLENGE with PASSWORD_SRP when the pool offers only SRP', async () => {
    await provider({
      flow: 'user-auth',
      clientId: 'choice-srp-only',
      userPoolId: undefined,
      clientConfig: { endpoint: server.endpoint, region: 'eu-west-1' },
      credentials: ROBOT,
    })
      .getIdToken()
      .catch(() => undefined);
    // Without a user pool ID there is no SRP: the provider cannot answer, and says why.
    const error = await failureOf(
      provider({
        flow: 'user-auth',
        clientId: 'choice-srp-only',
        userPoolId: undefined,
        clientConfig: { endpoint: server.endpoint, region: 'eu-west-1' },
        credentials: ROBOT,
      }).getIdToken(),
    );
    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect((error as ChallengeRequiredError).challengeName).toBe('SELECT_CHALLENGE');

    server.requests.length = 0;
    await provider({ flow: 'user-auth', clientId: 'choice-srp-only', credentials: ROBOT }).getIdToken();

    // PASSWORD_SRP was preferred at once, so no SELECT_CHALLENGE round here.
    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge']);
    expect(server.requests[1]?.body).toMatchObject({ ChallengeName: 'PASSWORD_VERIFIER' });
  });
});

describe('an app client that does not allow the flow', () => {
  it.each([
    ['user-password', 'srp-only', "set flow: 'user-srp'"],
    ['user-srp', 'password-only', "set flow: 'user-auth' or 'user-password'"],
    ['user-auth', 'srp-only', 'enable ALLOW_USER_AUTH on the app client'],
  ] as const)("flow '%s' on client %s is ERR_CONFIGURATION saying what to try", async (flow, clientId, advice) => {
    const error = await failureOf(provider({ flow, clientId, credentials: ROBOT }).getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain(`does not allow flow '${flow}'`);
    expect(error.message).toContain('flow not enabled for this client');
    expect(error.message).toContain(advice);
  });
});

describe('flow left unset on an app client with the default flows', () => {
  it('signs in with SRP after the refused USER_PASSWORD_AUTH, then with SRP alone, warning once', async () => {
    const logger = { debug: vi.fn(), warn: vi.fn() };
    const tokens = provider({ clientId: 'default-client', credentials: { ...ROBOT, username: ROBOT_EMAIL }, logger });

    const first = await tokens.getTokens();
    tokens.invalidate();
    await tokens.getIdToken();

    expect(first.username).toBe(ROBOT.username);
    expect(server.requests.map((request) => request.body.AuthFlow ?? request.body.ChallengeName)).toEqual([
      'USER_PASSWORD_AUTH',
      'USER_SRP_AUTH',
      'PASSWORD_VERIFIER',
      'USER_SRP_AUTH',
      'PASSWORD_VERIFIER',
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toContain("Set flow: 'user-srp'");
  });
});

describe('TOTP MFA', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The MFA robot signing in with its password on the password-only client. */
  const passwordSignIn = (overrides: Partial<TokenProviderOptions> = {}) =>
    provider({ flow: 'user-password', clientId: 'password-only', credentials: MFA_CREDENTIALS, ...overrides });

  /** A {@link passwordSignIn} provider that has signed in once and dropped its tokens, so the next call signs in. */
  async function signedInOnce(timeoutMs: number) {
    const tokens = passwordSignIn({ timeoutMs });
    await tokens.getIdToken();
    tokens.invalidate();
    return tokens;
  }

  it('answers SOFTWARE_TOKEN_MFA with the code of the current step, after SRP and after a password', async () => {
    const now = Date.UTC(2026, 10, 28, 12, 0, 5);
    // The server runs in this process: it reads the same faked clock.
    vi.useFakeTimers({ now, toFake: ['Date'] });

    await provider({ flow: 'user-srp', credentials: MFA_CREDENTIALS }).getIdToken();

    expect(operations()).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge']);
    expect(server.requests[2]?.body).toMatchObject({
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      ChallengeResponses: { SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, timeStepAt(now)) },
    });
  });

  it('waits for the next step for a second sign-in in the same step, within timeoutMs', async () => {
    const now = Date.UTC(2026, 10, 28, 12, 1, 20);
    vi.useFakeTimers({ now, toFake: ['Date', 'setTimeout', 'clearTimeout'], shouldAdvanceTime: true });
    const tokens = await signedInOnce(30_000);

    const second = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(10_000);
    await second;

    const codes = mfaCodesSent();
    expect(codes).toEqual([totpCode(TOTP_SECRET, timeStepAt(now)), totpCode(TOTP_SECRET, timeStepAt(now) + 1)]);
  });

  it('fails with ERR_CHALLENGE_REQUIRED when the next step starts after timeoutMs', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 28, 12, 2, 1), toFake: ['Date'] });
    const tokens = await signedInOnce(5_000);

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CHALLENGE_REQUIRED');
    expect(error.message).toContain('Raise timeoutMs');
    // The second sign-in stopped before sending a code it knew Cognito would refuse.
    expect(operations().filter((operation) => operation === 'RespondToAuthChallenge')).toHaveLength(1);
  });

  it("retries once with the next step's code when Cognito refuses the code (a clock a step behind)", async () => {
    const now = Date.UTC(2026, 10, 28, 12, 3, 10);
    // Cognito's clock is one step ahead of ours and the code of our step has been used there already.
    server.setNow(now + 30_000);
    vi.useFakeTimers({ now, toFake: ['Date'] });
    const other = passwordSignIn();
    server.setNow(now);
    await other.getIdToken();
    server.setNow(now + 30_000);
    server.requests.length = 0;

    await passwordSignIn().getIdToken();

    const codes = mfaCodesSent();
    expect(codes).toEqual([totpCode(TOTP_SECRET, timeStepAt(now)), totpCode(TOTP_SECRET, timeStepAt(now) + 1)]);
  });

  it('is ChallengeRequiredError SOFTWARE_TOKEN_MFA without a TOTP secret', async () => {
    const error = await failureOf(provider({ flow: 'user-srp', credentials: MFA_ROBOT }).getIdToken());

    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect((error as ChallengeRequiredError).challengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(error.message).toContain('credentials.totpSecret');
  });

  it('is ERR_UNAVAILABLE, naming the secret as the other reading, when Cognito refuses every code in reach', async () => {
    // 1 s into a step: the step after the two refused ones starts in 59 s, far past the default 10 s budget.
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 28, 12, 7, 1), toFake: ['Date'] });
    let error: CognitoTokenError;
    try {
      error = await failureOf(
        provider({
          flow: 'user-srp',
          credentials: { ...MFA_ROBOT, totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' },
        }).getIdToken(),
      );
    } finally {
      vi.useRealTimers();
    }

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toContain('The next free step starts in 59 s, beyond timeoutMs');
    expect(error.message).toContain('check "credentials.totpSecret" and the clock');
    expect(operations().filter((operation) => operation === 'RespondToAuthChallenge')).toHaveLength(3);
  });
});

describe('one MFA user signing in from several instances at once', () => {
  const mfaCredentials = { ...MFA_ROBOT, totpSecret: TOTP_SECRET };

  /** Three instances of one service, each with its own provider and a credentials source that records its calls. */
  function threeInstances(timeoutMs: number) {
    const loads: boolean[] = [];
    const source = async (options?: { forceRefresh?: boolean }) => {
      loads.push(options?.forceRefresh === true);
      return mfaCredentials;
    };
    const instances = [1, 2, 3].map(() =>
      provider({ flow: 'user-password', clientId: 'password-only', credentials: source, timeoutMs }),
    );
    return { loads, settled: Promise.allSettled(instances.map((instance) => instance.getTokens())) };
  }

  it('signs all three in: the third waits for the step after the two the others took, within timeoutMs', async () => {
    // 25 s into step T: the first two instances take T and T + 1, and T + 2 starts 35 s later, inside 40 s.
    const now = Date.UTC(2026, 10, 28, 12, 10, 25);
    const step = timeStepAt(now);
    // The test server runs in this process and reads the same faked clock.
    vi.useFakeTimers({ now, toFake: ['Date', 'setTimeout', 'clearTimeout'], shouldAdvanceTime: true });
    let results: PromiseSettledResult<CognitoTokens>[];
    let codesBeforeTheWait: string[];
    let loads: boolean[];
    try {
      const started = threeInstances(40_000);
      loads = started.loads;
      // T three times, T + 1 twice: two instances are through, the third waits for T + 2.
      await vi.waitFor(() => expect(mfaCodesSent().length).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
      codesBeforeTheWait = mfaCodesSent();
      await vi.advanceTimersByTimeAsync(35_000);
      results = await started.settled;
    } finally {
      vi.useRealTimers();
    }

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect([...codesBeforeTheWait].sort()).toEqual(
      [step, step, step, step + 1, step + 1].map((each) => totpCode(TOTP_SECRET, each)).sort(),
    );
    expect(mfaCodesSent().slice(5)).toEqual([totpCode(TOTP_SECRET, step + 2)]);
    // A refused code is no reason to read the credentials again.
    expect(loads).toEqual([false, false, false]);
  });

  it('fails the third with ERR_UNAVAILABLE, saying the step was taken, when the free step starts after timeoutMs', async () => {
    // 5 s into step T: T + 2 starts 55 s later, past the 40 s budget, so the third stops at once.
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 28, 12, 20, 5), toFake: ['Date'] });
    let results: PromiseSettledResult<CognitoTokens>[];
    let loads: boolean[];
    try {
      const started = threeInstances(40_000);
      loads = started.loads;
      results = await started.settled;
    } finally {
      vi.useRealTimers();
    }

    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(failures).toHaveLength(1);
    const [failure] = failures;
    expect(failure).toBeInstanceOf(CognitoTokenError);
    expect(failure.code).toBe('ERR_UNAVAILABLE');
    expect(failure.message).toContain('Another sign-in of this user took the TOTP step');
    expect(failure.message).toContain('The next free step starts in 55 s, beyond timeoutMs');
    expect(mfaCodesSent()).toHaveLength(5);
    expect(loads).toEqual([false, false, false]);
  });
});

describe('secrets', () => {
  it('never appear in errors, logs or anything returned, across every flow and challenge', async () => {
    const logged: unknown[] = [];
    const logger = { debug: (message: string, details?: Record<string, unknown>) => logged.push(message, details) };
    const seen: unknown[] = [];
    for (const flow of ['user-srp', 'user-auth', 'user-password'] as const) {
      const tokens = provider({
        flow,
        clientId: 'secret-client',
        credentials: { username: ROBOT_EMAIL, password: ROBOT.password, clientSecret: CLIENT_SECRET },
        logger,
      });
      seen.push(tokens, await tokens.getTokens(), await tokens.refresh());
      const wrong = provider({
        flow,
        clientId: 'secret-client',
        credentials: { username: ROBOT_EMAIL, password: 'Wrong-Pa55word-x', clientSecret: CLIENT_SECRET },
        logger,
      });
      seen.push(await failureOf(wrong.getIdToken()));
    }
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 28, 13, 0, 0), toFake: ['Date'] });
    try {
      const mfa = provider({
        flow: 'user-srp',
        clientId: 'secret-client',
        credentials: { ...MFA_CREDENTIALS, clientSecret: CLIENT_SECRET },
        logger,
      });
      seen.push(mfa, await mfa.getTokens());
      const wrongTotp = provider({
        flow: 'user-srp',
        credentials: { ...MFA_ROBOT, totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' },
        logger,
      });
      seen.push(await failureOf(wrongTotp.getIdToken()));
    } finally {
      vi.useRealTimers();
    }
    const sessions = server.requests
      .map((request) => request.body.Session)
      .filter((value) => typeof value === 'string');
    const codes = server.requests.flatMap((request) => {
      const code = (request.body.ChallengeResponses as Record<string, string> | undefined)?.SOFTWARE_TOKEN_MFA_CODE;
      return code === undefined ? [] : [code];
    });
    const signatures = server.requests.flatMap((request) => {
      const signature = (request.body.ChallengeResponses as Record<string, string> | undefined)
        ?.PASSWORD_CLAIM_SIGNATURE;
      return signature === undefined ? [] : [signature];
    });

    expect(
      findLeaks([...seen, logged], {
        password: ROBOT.password,
        mfaPassword: MFA_ROBOT.password,
        clientSecret: CLIENT_SECRET,
        totpSecret: TOTP_SECRET,
        ...Object.fromEntries(sessions.map((session, index) => [`session${index}`, session as string])),
        ...Object.fromEntries(signatures.map((signature, index) => [`signature${index}`, signature])),
      }),
    ).toEqual([]);
    // A six-digit code is too short for findLeaks' scan; look for it in log lines and errors alone.
    const printed =
      JSON.stringify(logged) +
      seen
        .filter((value) => value instanceof Error)
        .map((error) => inspect(error))
        .join('');
    for (const code of codes) expect(printed).not.toContain(code);
    const idToken = (seen[1] as CognitoTokens).idToken;
    expect(
      findLeaks([logged, ...seen.filter((value) => value instanceof Error)], secretFragments('idToken', idToken)),
    ).toEqual([]);
  });
});

describe('the cognito-token command', () => {
  const BIN = fileURLToPath(new URL('../../dist/esm/cli.js', import.meta.url));

  it('signs in with --flow user-srp and a TOTP secret piped on stdin, printing the token and nothing on stderr', async () => {
    if (!existsSync(BIN)) throw new Error('dist/esm/cli.js is missing: run `npm run build` first');
    const run = await runProcess(
      process.execPath,
      [BIN, '--client-id', 'public-client', '--user-pool-id', USER_POOL_ID, '--username', MFA_ROBOT.username],
      {
        env: {
          PATH: process.env.PATH ?? '',
          // No AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED here: the command itself keeps stderr quiet.
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: server.endpoint,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
          COGNITO_FLOW: 'user-srp',
          COGNITO_TOTP_SECRET: TOTP_SECRET,
          COGNITO_PASSWORD: MFA_ROBOT.password,
        },
        killAfterMs: 30_000,
      },
    );

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(decodeJwtClaims(run.stdout.trim())['cognito:username']).toBe(MFA_ROBOT.username);
    expect(server.requests.map((request) => request.body.ChallengeName ?? request.body.AuthFlow)).toEqual([
      'USER_SRP_AUTH',
      'PASSWORD_VERIFIER',
      'SOFTWARE_TOKEN_MFA',
    ]);
  });
});

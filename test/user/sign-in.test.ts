// The sign-in flows' decisions, against a mocked SDK: which challenge is answered how, when the provider gives up,
// and what each refusal tells the caller to do. The same flows run end to end over HTTP against a server that
// implements Cognito's side (with SRP checked there) in test/integration/sign-in-flows.test.ts.
import { inspect } from 'node:util';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  type ChallengeNameType,
  CodeMismatchException,
  ExpiredCodeException,
  InitiateAuthCommand,
  InvalidParameterException,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { ChallengeRequiredError, CognitoTokenError, computeSecretHash, type SignInFlow } from '../../src/index.js';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import { failureOf } from '../helpers/failure-of.js';
import {
  authResult,
  CLIENT_ID,
  CLIENT_SECRET,
  mockCognitoOnFakeClock,
  PASSWORD,
  PASSWORD_VERIFIER,
  SESSION,
  serialOf,
  USER_ID,
  USER_POOL_ID,
  USERNAME,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const selectChallenge = (available: ChallengeNameType[]) => ({
  ChallengeName: 'SELECT_CHALLENGE' as const,
  Session: SESSION,
  AvailableChallenges: available,
});
const totpChallenge = (parameters: Record<string, string> = { USERNAME: USER_ID }) => ({
  ChallengeName: 'SOFTWARE_TOKEN_MFA' as const,
  Session: SESSION,
  ChallengeParameters: parameters,
});

const respondInputs = () => cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input);
const initiateInputs = () => cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input);
const stepNow = () => timeStepAt(Date.now());

function provider(flow: SignInFlow, overrides: Parameters<typeof userProvider>[0] = {}) {
  return userProvider({ flow, userPoolId: USER_POOL_ID, ...overrides });
}

describe("flow: 'user-srp'", () => {
  it('answers PASSWORD_VERIFIER as the real user, hashing over USER_ID_FOR_SRP, and never sends the password', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());
    const tokens = provider('user-srp', {
      credentials: { username: 'robot@example.com', password: PASSWORD, clientSecret: CLIENT_SECRET },
    });

    await tokens.getIdToken();

    const [initiate] = initiateInputs();
    const [respond] = respondInputs();
    expect(initiate?.AuthFlow).toBe('USER_SRP_AUTH');
    expect(initiate?.AuthParameters).toEqual({
      USERNAME: 'robot@example.com',
      SRP_A: expect.stringMatching(/^[0-9a-f]+$/),
      SECRET_HASH: computeSecretHash('robot@example.com', CLIENT_ID, CLIENT_SECRET),
    });
    expect(respond).toMatchObject({ ChallengeName: 'PASSWORD_VERIFIER', Session: SESSION });
    expect(respond?.ChallengeResponses).toEqual({
      USERNAME: USER_ID,
      PASSWORD_CLAIM_SECRET_BLOCK: PASSWORD_VERIFIER.ChallengeParameters.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      TIMESTAMP: 'Thu Nov 26 09:00:00 UTC 2026',
      SECRET_HASH: computeSecretHash(USER_ID, CLIENT_ID, CLIENT_SECRET),
    });
    expect(JSON.stringify(cognito.calls().map((call) => call.args[0].input))).not.toContain(PASSWORD);
  });

  it('answers as the name Cognito gave when the challenge has no USER_ID_FOR_SRP, or as the sign-in name', async () => {
    const { USER_ID_FOR_SRP: _, ...withoutId } = PASSWORD_VERIFIER.ChallengeParameters;
    cognito
      .on(InitiateAuthCommand)
      .resolvesOnce({ ...PASSWORD_VERIFIER, ChallengeParameters: { ...withoutId, USERNAME: 'named-by-cognito' } })
      .resolves({ ...PASSWORD_VERIFIER, ChallengeParameters: withoutId })
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());
    const tokens = provider('user-srp');

    await tokens.getIdToken();
    tokens.invalidate();
    await tokens.getIdToken();

    expect(respondInputs().map((input) => input?.ChallengeResponses?.USERNAME)).toEqual(['named-by-cognito', USERNAME]);
  });
});

describe("flow: 'user-auth' (choice-based sign-in)", () => {
  it('prefers PASSWORD_SRP when the user pool ID is known, and PASSWORD without it', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult());

    await provider('user-auth').getIdToken();
    await userProvider({ flow: 'user-auth' }).getIdToken();

    expect(initiateInputs().map((input) => [input?.AuthFlow, input?.AuthParameters])).toEqual([
      ['USER_AUTH', { USERNAME, PREFERRED_CHALLENGE: 'PASSWORD_SRP', SRP_A: expect.any(String) }],
      ['USER_AUTH', { USERNAME, PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD }],
    ]);
  });

  it('answers SELECT_CHALLENGE with PASSWORD_SRP when offered and possible, then the PASSWORD_VERIFIER it brings', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(selectChallenge(['PASSWORD', 'PASSWORD_SRP']))
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'SELECT_CHALLENGE' })
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
      .resolves(authResult());

    await provider('user-auth').getIdToken();

    const [select, verifier] = respondInputs();
    expect(select?.ChallengeResponses).toEqual({ ANSWER: 'PASSWORD_SRP', USERNAME, SRP_A: expect.any(String) });
    expect(select?.ChallengeResponses?.SRP_A).toBe(initiateInputs()[0]?.AuthParameters?.SRP_A);
    expect(verifier?.ChallengeResponses?.USERNAME).toBe(USER_ID);
  });

  it('answers SELECT_CHALLENGE with PASSWORD when SRP is not possible (no user pool ID) or not offered', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolvesOnce(selectChallenge(['PASSWORD_SRP', 'PASSWORD']))
      .resolves(selectChallenge(['PASSWORD', 'EMAIL_OTP']))
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());

    await userProvider({ flow: 'user-auth' }).getIdToken();
    await provider('user-auth').getIdToken();

    expect(respondInputs().map((input) => input?.ChallengeResponses)).toEqual([
      { ANSWER: 'PASSWORD', USERNAME, PASSWORD },
      { ANSWER: 'PASSWORD', USERNAME, PASSWORD },
    ]);
  });

  it.each([
    ['with the user pool ID', USER_POOL_ID, '(PASSWORD, PASSWORD_SRP)'],
    ['without it', undefined, '(PASSWORD)'],
  ])(
    'fails with SELECT_CHALLENGE when nothing usable is offered, naming what would do (%s)',
    async (_label, userPoolId, usable) => {
      cognito.on(InitiateAuthCommand).resolves(selectChallenge(['EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN']));

      const error = await failureOf(userProvider({ flow: 'user-auth', userPoolId }).getIdToken());

      expect(error).toBeInstanceOf(ChallengeRequiredError);
      expect((error as ChallengeRequiredError).challengeName).toBe('SELECT_CHALLENGE');
      expect(error.message).toContain(`sign-in methods a service account can use ${usable}`);
      expect(cognito).not.toHaveReceivedCommand(RespondToAuthChallengeCommand);
    },
  );

  it('fails with SELECT_CHALLENGE when Cognito lists no available challenges at all', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SELECT_CHALLENGE', Session: SESSION });

    const error = await failureOf(provider('user-auth').getIdToken());

    expect((error as ChallengeRequiredError).challengeName).toBe('SELECT_CHALLENGE');
  });

  it.each([
    ['a string that contains a method name', 'XPASSWORDX'],
    ['a number', 42],
  ])('offers nothing when AvailableChallenges is %s, not a list', async (_label, available) => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ ChallengeName: 'SELECT_CHALLENGE', Session: SESSION, AvailableChallenges: available as never });

    const error = await failureOf(provider('user-auth').getIdToken());

    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect((error as ChallengeRequiredError).challengeName).toBe('SELECT_CHALLENGE');
    expect(cognito).not.toHaveReceivedCommand(RespondToAuthChallengeCommand);
  });
});

describe('challenge rounds', () => {
  it('gives up after 5 answers (the most a sign-in with TOTP and a remembered device needs) when Cognito keeps asking', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(selectChallenge(['PASSWORD']))
      .on(RespondToAuthChallengeCommand)
      .resolves(selectChallenge(['PASSWORD']));

    const error = await failureOf(userProvider({ flow: 'user-auth' }).getIdToken());

    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect(error.code).toBe('ERR_CHALLENGE_REQUIRED');
    expect((error as ChallengeRequiredError).challengeName).toBe('SELECT_CHALLENGE');
    expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, 5);
  });

  it.each([
    ['PASSWORD_VERIFIER to a flow that did not start SRP', 'user-password' as const, PASSWORD_VERIFIER],
    ['SMS_MFA after a password', 'user-auth' as const, { ChallengeName: 'SMS_MFA' as const, Session: SESSION }],
  ])('fails with ChallengeRequiredError for %s, without answering', async (_label, flow, challenge) => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(flow === 'user-auth' ? selectChallenge(['PASSWORD']) : challenge)
      .on(RespondToAuthChallengeCommand)
      .resolves(challenge);

    const error = await failureOf(userProvider({ flow }).getIdToken());

    expect((error as ChallengeRequiredError).challengeName).toBe(challenge.ChallengeName);
    expect(error.message).toContain('give the user a permanent password');
    expect(error.message).not.toContain(SESSION);
    expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, flow === 'user-auth' ? 1 : 0);
  });

  it('asks for credentials.totpSecret when SOFTWARE_TOKEN_MFA comes without one', async () => {
    cognito.on(InitiateAuthCommand).resolves(totpChallenge());

    const error = await failureOf(userProvider().getIdToken());

    expect((error as ChallengeRequiredError).challengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(error.message).toContain('give credentials.totpSecret');
  });

  it('is ERR_UNAVAILABLE when the last answer carries neither a challenge nor tokens', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(selectChallenge(['PASSWORD']))
      .on(RespondToAuthChallengeCommand)
      .resolves({});

    const error = await failureOf(userProvider({ flow: 'user-auth' }).getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
  });
});

describe('SOFTWARE_TOKEN_MFA with credentials.totpSecret', () => {
  const credentials = { username: USERNAME, password: PASSWORD, totpSecret: TOTP_SECRET };
  const codeMismatch = () => new CodeMismatchException({ message: 'Invalid code received for user', $metadata: {} });

  type Answer = Error | ReturnType<typeof authResult>;

  /** Cognito asks for a TOTP code and meets the codes sent with `answers` in turn (an error refuses one), the last for good. */
  function cognitoAsksForTotp(...answers: [...Answer[], Answer]): void {
    const respond = cognito.on(InitiateAuthCommand).resolves(totpChallenge()).on(RespondToAuthChallengeCommand);
    for (const answer of answers.slice(0, -1)) {
      if (answer instanceof Error) respond.rejectsOnce(answer);
      else respond.resolvesOnce(answer);
    }
    const last = answers.at(-1) as Answer;
    if (last instanceof Error) respond.rejects(last);
    else respond.resolves(last);
  }

  it('answers with the code of the current step for the username Cognito names, with the client metadata', async () => {
    cognitoAsksForTotp(authResult());

    await userProvider({
      credentials: { ...credentials, clientSecret: CLIENT_SECRET },
      clientMetadata: { caller: 'orders' },
    }).getIdToken();

    expect(respondInputs()).toEqual([
      {
        ClientId: CLIENT_ID,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: SESSION,
        ChallengeResponses: {
          USERNAME: USER_ID,
          SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, stepNow()),
          SECRET_HASH: computeSecretHash(USER_ID, CLIENT_ID, CLIENT_SECRET),
        },
        ClientMetadata: { caller: 'orders' },
      },
    ]);
  });

  it.each([
    ['USER_ID_FOR_SRP when the challenge has no USERNAME', { USER_ID_FOR_SRP: USER_ID }, USER_ID],
    ['the sign-in username when the challenge names nobody', {}, USERNAME],
  ])('answers as %s', async (_label, parameters, expected) => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(totpChallenge(parameters))
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());

    await userProvider({ credentials }).getIdToken();

    expect(respondInputs()[0]?.ChallengeResponses?.USERNAME).toBe(expected);
  });

  it("retries once with the next step's code when Cognito refuses the code (a clock a step behind)", async () => {
    cognitoAsksForTotp(codeMismatch(), authResult({ serial: 7 }));

    const idToken = await userProvider({ credentials }).getIdToken();

    expect(serialOf(idToken)).toBe(7);
    expect(respondInputs().map((input) => input?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE)).toEqual([
      totpCode(TOTP_SECRET, stepNow()),
      totpCode(TOTP_SECRET, stepNow() + 1),
    ]);
  });

  it.each([
    ['CodeMismatchException', codeMismatch()],
    [
      'ExpiredCodeException',
      new ExpiredCodeException({ message: 'Your software token has already been used once.', $metadata: {} }),
    ],
  ])(
    'is ERR_UNAVAILABLE saying the step was taken when Cognito refuses both codes (%s) and the next free step starts after timeoutMs',
    async (name, refusal) => {
      cognitoAsksForTotp(refusal);

      const error = await failureOf(userProvider({ credentials }).getIdToken());

      expect(error.code).toBe('ERR_UNAVAILABLE');
      expect(error.message).toContain('Another sign-in of this user took the TOTP step');
      expect(error.message).toContain('The next free step starts in 60 s, beyond timeoutMs');
      // The other reading of a refused code, which no answer of Cognito's tells apart.
      expect(error.message).toContain('check "credentials.totpSecret" and the clock');
      expect(error.cause).toMatchObject({ name });
      expect(error.message).not.toContain(totpCode(TOTP_SECRET, stepNow()));
      expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, 2);
    },
  );

  it('is ERR_AUTHENTICATION at once for an ExpiredCodeException that does not say the code was used', async () => {
    cognitoAsksForTotp(
      new ExpiredCodeException({ message: 'Invalid code or auth state for the user.', $metadata: {} }),
    );

    const error = await failureOf(userProvider({ credentials }).getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.message).toContain('Cognito refused the TOTP code (ExpiredCodeException');
    expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, 1);
  });

  it('never reloads a credentials source for refused codes: it waits for the step after them and signs in again', async () => {
    cognitoAsksForTotp(codeMismatch(), codeMismatch(), authResult({ serial: 9 }));
    const source = vi.fn(async () => credentials);
    const firstStep = stepNow();

    const idToken = userProvider({ credentials: source, timeoutMs: 70_000 }).getIdToken();
    await vi.advanceTimersByTimeAsync(59_999);
    const sentBeforeTheFreeStep = respondInputs().length;
    await vi.advanceTimersByTimeAsync(1);

    expect(serialOf(await idToken)).toBe(9);
    expect(sentBeforeTheFreeStep).toBe(2);
    expect(source).toHaveBeenCalledTimes(1);
    expect(source).toHaveBeenCalledWith(expect.not.objectContaining({ forceRefresh: true }));
    // A new session for the free step: no session carries more than two refused codes.
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
    expect(respondInputs().map((input) => input?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE)).toEqual([
      totpCode(TOTP_SECRET, firstStep),
      totpCode(TOTP_SECRET, firstStep + 1),
      totpCode(TOTP_SECRET, firstStep + 2),
    ]);
  });

  it('fails a later call at once, with ERR_UNAVAILABLE, while the steps others took are still in reach', async () => {
    cognitoAsksForTotp(codeMismatch());
    const tokens = userProvider({ credentials });
    await failureOf(tokens.getIdToken());

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toContain('Another sign-in of this user took the TOTP step');
    expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, 2);
  });

  it('waits for the next step for a second sign-in in the same step, when that fits in timeoutMs', async () => {
    cognitoAsksForTotp(authResult());
    const tokens = userProvider({ credentials, timeoutMs: 40_000 });
    const firstStep = stepNow();
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(5_000);

    tokens.invalidate();
    const second = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(24_999);
    const sentBeforeNextStep = respondInputs().length;
    await vi.advanceTimersByTimeAsync(1);
    await second;

    expect(sentBeforeNextStep).toBe(1);
    expect(respondInputs().map((input) => input?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE)).toEqual([
      totpCode(TOTP_SECRET, firstStep),
      totpCode(TOTP_SECRET, firstStep + 1),
    ]);
  });

  it.each([
    ['is shorter than the wait', 20_000],
    ['leaves under a second for the request after the wait', 25_500],
  ])(
    'fails with SOFTWARE_TOKEN_MFA, saying when the next step starts, when timeoutMs %s',
    async (_label, timeoutMs) => {
      cognitoAsksForTotp(authResult());
      const tokens = userProvider({ credentials, timeoutMs });
      await tokens.getIdToken();
      await vi.advanceTimersByTimeAsync(5_000);

      tokens.invalidate();
      const error = await failureOf(tokens.getIdToken());

      expect(error).toBeInstanceOf(ChallengeRequiredError);
      expect((error as ChallengeRequiredError).challengeName).toBe('SOFTWARE_TOKEN_MFA');
      expect(error.message).toContain('the next step starts in 25 s, beyond timeoutMs');
      expect(cognito).toHaveReceivedCommandTimes(RespondToAuthChallengeCommand, 1);
    },
  );

  it('remembers used steps per user: another user signing in in the same step does not wait', async () => {
    cognito
      .on(InitiateAuthCommand)
      .callsFake((input) => totpChallenge({ USERNAME: input.AuthParameters.USERNAME }))
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());
    const source = vi
      .fn()
      .mockResolvedValueOnce(credentials)
      .mockResolvedValue({ ...credentials, username: 'svc-billing' });
    // Too short to wait for the next step: a wait would fail the second sign-in.
    const tokens = userProvider({ credentials: source, timeoutMs: 2_000 });
    await tokens.getIdToken();

    tokens.invalidate();
    await tokens.getIdToken();

    expect(respondInputs().map((input) => input?.ChallengeResponses)).toEqual([
      { USERNAME, SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, stepNow()) },
      { USERNAME: 'svc-billing', SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, stepNow()) },
    ]);
  });
});

describe("flow: 'admin-user-password' challenges", () => {
  it('answers with AdminRespondToAuthChallenge, naming the user pool', async () => {
    cognito
      .on(AdminInitiateAuthCommand)
      .resolves(totpChallenge())
      .on(AdminRespondToAuthChallengeCommand)
      .resolves(authResult({ serial: 3 }));
    const tokens = provider('admin-user-password', {
      credentials: { username: USERNAME, password: PASSWORD, totpSecret: TOTP_SECRET },
    });

    expect(serialOf(await tokens.getIdToken())).toBe(3);
    expect(cognito).toHaveReceivedCommandWith(AdminRespondToAuthChallengeCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: CLIENT_ID,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: SESSION,
      ChallengeResponses: { USERNAME: USER_ID, SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, stepNow()) },
    });
    expect(cognito).not.toHaveReceivedCommand(RespondToAuthChallengeCommand);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });
});

describe('a flow the app client does not allow', () => {
  it.each([
    ['user-password', 'USER_PASSWORD_AUTH flow not enabled for this client', 'enable ALLOW_USER_PASSWORD_AUTH'],
    ['user-srp', 'USER_SRP_AUTH flow not enabled for this client', 'enable ALLOW_USER_SRP_AUTH'],
    ['user-auth', 'USER_AUTH flow not enabled for this client', 'enable ALLOW_USER_AUTH on the app client (choice'],
    ['admin-user-password', 'Auth flow not enabled for this client', 'enable ALLOW_ADMIN_USER_PASSWORD_AUTH'],
  ] as const)("is ERR_CONFIGURATION with the advice for flow '%s'", async (flow, message, advice) => {
    const refusal = new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
    cognito.on(InitiateAuthCommand).rejects(refusal).on(AdminInitiateAuthCommand).rejects(refusal);

    const error = await failureOf(provider(flow).getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain(
      `The app client does not allow flow '${flow}' (InvalidParameterException: ${message})`,
    );
    expect(error.message).toContain(advice);
    expect(error.cause).toMatchObject({ name: 'InvalidParameterException', message });
  });

  it('is the generic ERR_CONFIGURATION for any other InvalidParameterException', async () => {
    cognito
      .on(InitiateAuthCommand)
      .rejects(new InvalidParameterException({ message: 'Missing required parameter SRP_A', $metadata: {} }));

    const error = await failureOf(provider('user-password').getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain('Sign-in refused (InvalidParameterException: Missing required parameter SRP_A)');
    expect(error.message).toContain('check the client ID, Region and enabled auth flows');
  });
});

describe('flow left unset on an app client that refuses USER_PASSWORD_AUTH (a default client)', () => {
  const refusal = () =>
    new InvalidParameterException({
      message: 'USER_PASSWORD_AUTH flow not enabled for this client',
      $metadata: { httpStatusCode: 400 },
    });
  /** A client with the defaults of the API and CDK: SRP allowed, USER_PASSWORD_AUTH refused. */
  function defaultClient() {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .rejects(refusal())
      .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());
  }
  const authFlows = () => initiateInputs().map((input) => input.AuthFlow);
  const newLogger = () => ({ debug: vi.fn(), warn: vi.fn() });

  it('switches to user-srp once, remembers it for the process (other providers on the client too), and warns once', async () => {
    defaultClient();
    const logger = newLogger();
    const first = userProvider({ clientId: 'default-flows-client-1', userPoolId: USER_POOL_ID, logger });

    await first.getIdToken();

    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH', 'USER_SRP_AUTH']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toContain("Set flow: 'user-srp'");
    expect(logger.warn.mock.calls[0]?.[1]).toMatchObject({ flow: 'user-srp', fix: "flow: 'user-srp'" });
    expect(logger.debug).toHaveBeenCalledWith(
      'cognito-token-provider: signed in',
      expect.objectContaining({ flow: 'user-srp' }),
    );

    // A new sign-in of the same provider, and another provider on the same app client: SRP at once, no warning.
    first.invalidate();
    await first.getIdToken();
    const otherLogger = newLogger();
    await userProvider({
      clientId: 'default-flows-client-1',
      userPoolId: USER_POOL_ID,
      logger: otherLogger,
    }).getIdToken();

    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH', 'USER_SRP_AUTH', 'USER_SRP_AUTH', 'USER_SRP_AUTH']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(otherLogger.warn).not.toHaveBeenCalled();
  });

  it('remembers the refusal per app client: another client of the pool still starts with USER_PASSWORD_AUTH', async () => {
    defaultClient();
    await userProvider({ clientId: 'default-flows-client-2', userPoolId: USER_POOL_ID }).getIdToken();
    cognito.resetHistory();

    await userProvider({ clientId: 'default-flows-client-3', userPoolId: USER_POOL_ID }).getIdToken();

    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH', 'USER_SRP_AUTH']);
  });

  it("never switches an explicit flow: 'user-password'", async () => {
    defaultClient();
    const logger = newLogger();

    const error = await failureOf(
      userProvider({
        clientId: 'default-flows-client-4',
        userPoolId: USER_POOL_ID,
        flow: 'user-password',
        logger,
      }).getIdToken(),
    );

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain("The app client does not allow flow 'user-password'");
    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH']);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('keeps the advice to set flow without userPoolId, which SRP needs', async () => {
    defaultClient();

    const error = await failureOf(userProvider({ clientId: 'default-flows-client-5' }).getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain("set flow: 'user-srp' (needs userPoolId)");
    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH']);
  });

  it('does not switch for another InvalidParameterException', async () => {
    cognito
      .on(InitiateAuthCommand)
      .rejects(new InvalidParameterException({ message: 'Missing required parameter USERNAME', $metadata: {} }));

    const error = await failureOf(
      userProvider({ clientId: 'default-flows-client-6', userPoolId: USER_POOL_ID }).getIdToken(),
    );

    expect(error.message).toContain('Sign-in refused (InvalidParameterException: Missing required parameter');
    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH']);
  });

  it('says both flows were refused when the app client refuses SRP too', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .rejects(refusal())
      .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
      .rejects(
        new InvalidParameterException({ message: 'USER_SRP_AUTH flow not enabled for this client', $metadata: {} }),
      );

    const error = await failureOf(
      userProvider({ clientId: 'default-flows-client-7', userPoolId: USER_POOL_ID }).getIdToken(),
    );

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain("allows neither the default flow 'user-password' nor 'user-srp'");
    expect(error.message).toContain("set flow: 'user-auth'");
    expect(authFlows()).toEqual(['USER_PASSWORD_AUTH', 'USER_SRP_AUTH']);
  });
});

describe('challenges with parts missing, as a hostile or broken endpoint could send them', () => {
  it('answers SOFTWARE_TOKEN_MFA without ChallengeParameters as the sign-in name', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: SESSION })
      .on(RespondToAuthChallengeCommand)
      .resolves(authResult());
    const tokens = userProvider({ credentials: { username: USERNAME, password: PASSWORD, totpSecret: TOTP_SECRET } });

    await tokens.getIdToken();

    expect(respondInputs()[0]?.ChallengeResponses).toEqual({
      USERNAME,
      SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, stepNow()),
    });
  });

  it.each([
    ['no ChallengeParameters', { ChallengeName: 'PASSWORD_VERIFIER' as const, Session: SESSION }],
    ['no SALT, SRP_B or SECRET_BLOCK', { ...PASSWORD_VERIFIER, ChallengeParameters: { USER_ID_FOR_SRP: USER_ID } }],
  ])('fails PASSWORD_VERIFIER with %s as a CognitoTokenError that quotes no secret', async (_, challenge) => {
    cognito.on(InitiateAuthCommand).resolves(challenge).on(RespondToAuthChallengeCommand).resolves(authResult());

    const error = await failureOf(provider('user-srp').getIdToken());

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).not.toBeInstanceOf(TypeError);
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
    expect(respondInputs()).toHaveLength(0);
  });
});

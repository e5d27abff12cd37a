// The SRP test server stands in for real Cognito in later tests, so it is checked first against a client that
// signs in to real Cognito and shares nothing with this package (amazon-cognito-identity-js), then driven with
// the AWS SDK v3 for the flows and refusals that client cannot reach.
import { createHmac, createPublicKey, createVerify, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
  type RespondToAuthChallengeCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CognitoSrpServer, SrpServerPool } from '../../harness/cognito-srp-server.js';
import { passwordAuthenticationKey, srpTimestamp, startSrp } from '../../src/user/srp.js';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import { useSrpServers } from '../helpers/cognito-stack-hooks.js';
import { rejectionOf } from '../helpers/failure-of.js';
import { identityJsUser, type LibraryOutcome, sessionOf } from '../helpers/identity-js-user.js';

const USER_POOL_ID = 'eu-west-1_SrpHarness7';
const POOL_NAME = 'SrpHarness7';
const ROBOT = {
  username: '5f0b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
  email: 'robot@example.com',
  password: 'Corr3ct-Horse!',
};
const UNICODE = { username: 'c2d4e6f8-1a3b-4c5d-9e7f-a1b2c3d4e5f6', password: 'pässwörd — 密码 🔑' };
const MFA = {
  username: '9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4',
  email: 'mfa@example.com',
  password: 'Mfa-Passw0rd',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW',
};
// A second TOTP user for the amazon-cognito-identity-js test: used steps are per user, so the tests stay
// independent of their order.
const MFA_LIBRARY = {
  username: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  email: 'mfa-library@example.com',
  password: 'Library-Mfa-1',
  totpSecret: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPJ3XK4DT',
};
const SECRET = 'harness-client-secret-0123456789';

const POOL: SrpServerPool = {
  userPoolId: USER_POOL_ID,
  clients: [
    { clientId: 'srp-client', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    { clientId: 'password-client', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    { clientId: 'choice-client', explicitAuthFlows: ['ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
    {
      clientId: 'secret-client',
      clientSecret: SECRET,
      explicitAuthFlows: [
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ],
    },
  ],
  users: [
    { username: ROBOT.username, aliases: [ROBOT.email], password: ROBOT.password },
    { username: UNICODE.username, password: UNICODE.password },
    {
      username: MFA.username,
      aliases: [MFA.email],
      password: MFA.password,
      totpSecret: MFA.totpSecret,
      mfa: 'SOFTWARE_TOKEN_MFA',
    },
    {
      username: MFA_LIBRARY.username,
      aliases: [MFA_LIBRARY.email],
      password: MFA_LIBRARY.password,
      totpSecret: MFA_LIBRARY.totpSecret,
      mfa: 'SOFTWARE_TOKEN_MFA',
    },
  ],
  tokenLifetimeSeconds: 900,
};

let server: CognitoSrpServer;

useSrpServers([POOL], (started) => {
  [server] = started;
});

function claims(token: string | undefined): Record<string, unknown> {
  const payload = token?.split('.')[1];
  if (payload === undefined) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

function secretHash(username: string, clientId = 'secret-client'): string {
  return createHmac('sha256', SECRET).update(`${username}${clientId}`, 'utf8').digest('base64');
}

const operations = () =>
  server.requests.map((r) => `${r.operation}:${String(r.body.AuthFlow ?? r.body.ChallengeName)}`);

// --- The independent client --------------------------------------------------------------------------------------

/** A user of `clientId` in the test pool, as amazon-cognito-identity-js holds it. */
const libraryUserOf = (username: string, clientId = 'srp-client') =>
  identityJsUser({ endpoint: server.endpoint, userPoolId: USER_POOL_ID, clientId, username });

const librarySignIn = (username: string, password: string, clientId?: string) =>
  libraryUserOf(username, clientId).signIn(password);

const idTokenOf = (outcome: LibraryOutcome) => claims(sessionOf(outcome).session.getIdToken().getJwtToken());

describe('checked with amazon-cognito-identity-js (an independent SRP client)', () => {
  it('signs in with USER_SRP_AUTH and the real username', async () => {
    // Act
    const outcome = await librarySignIn(ROBOT.username, ROBOT.password);

    // Assert
    const id = idTokenOf(outcome);
    expect(id['cognito:username']).toBe(ROBOT.username);
    expect(id.token_use).toBe('id');
    expect(id.aud).toBe('srp-client');
    expect(Number(id.exp) - Number(id.iat)).toBe(900);
    expect(operations()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'RespondToAuthChallenge:PASSWORD_VERIFIER']);
  });

  it('issues RS256 tokens that verify against the JWKS the server publishes, and only with its key', async () => {
    // Arrange
    const outcome = await librarySignIn(ROBOT.username, ROBOT.password);
    if (outcome.kind !== 'success') throw new Error(`expected a sign-in, got ${outcome.kind}`);
    const jwks = (await (await fetch(server.local.jwksUri)).json()) as { keys: (JsonWebKey & { kid: string })[] };

    // Act
    const verdicts = [outcome.session.getIdToken(), outcome.session.getAccessToken()].map((token) => {
      const [header, payload, signature] = token.getJwtToken().split('.') as [string, string, string];
      const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, string>;
      const jwk = jwks.keys.find((key) => key.kid === kid);
      const verify = (body: string) =>
        jwk !== undefined &&
        createVerify('RSA-SHA256')
          .update(`${header}.${body}`)
          .verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(signature, 'base64url'));
      return { alg, genuine: verify(payload), tampered: verify(`${payload}x`) };
    });

    // Assert
    expect(verdicts).toEqual([
      { alg: 'RS256', genuine: true, tampered: false },
      { alg: 'RS256', genuine: true, tampered: false },
    ]);
    expect(claims(outcome.session.getIdToken().getJwtToken()).iss).toBe(`${server.endpoint}/${USER_POOL_ID}`);
  });

  it('signs in again and again (fresh a and b each time, so the padding branches vary)', async () => {
    // Act
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await librarySignIn(ROBOT.username, ROBOT.password));

    // Assert
    expect(outcomes.map((o) => o.kind)).toEqual(Array(6).fill('success'));
  });

  it('signs in with an email alias; the challenge names the real user', async () => {
    // Act
    const outcome = await librarySignIn(ROBOT.email, ROBOT.password);

    // Assert
    expect(idTokenOf(outcome)['cognito:username']).toBe(ROBOT.username);
    expect(server.requests[0]?.body.AuthParameters).toMatchObject({ USERNAME: ROBOT.email });
    expect(server.requests[1]?.body.ChallengeResponses).toMatchObject({ USERNAME: ROBOT.username });
  });

  it('signs in with a non-ASCII password', async () => {
    // Act
    const outcome = await librarySignIn(UNICODE.username, UNICODE.password);

    // Assert
    expect(idTokenOf(outcome)['cognito:username']).toBe(UNICODE.username);
  });

  it.each([
    ['a wrong password', ROBOT.password.slice(0, -1)],
    ['the password in another case', ROBOT.password.toUpperCase()],
    ['a Unicode password in another normalisation', UNICODE.password.normalize('NFD')],
  ])('refuses %s with NotAuthorizedException', async (_name, password) => {
    // Prepare
    const username = password === UNICODE.password.normalize('NFD') ? UNICODE.username : ROBOT.username;

    // Act
    const outcome = await librarySignIn(username, password);

    // Assert
    expect(outcome).toMatchObject({
      kind: 'failure',
      error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' },
    });
  });

  it('refuses USER_SRP_AUTH on a client without ALLOW_USER_SRP_AUTH, with the exact message', async () => {
    // Act
    const outcome = await librarySignIn(ROBOT.username, ROBOT.password, 'password-client');

    // Assert
    expect(outcome).toMatchObject({
      kind: 'failure',
      error: { code: 'InvalidParameterException', message: 'USER_SRP_AUTH flow not enabled for this client' },
    });
    expect(operations()).toEqual(['InitiateAuth:USER_SRP_AUTH']);
  });

  it('asks for the TOTP code after the password, and accepts the current one', async () => {
    // Prepare: the library signs its TIMESTAMP with the real clock, so the server keeps it (frozen).
    const now = Date.now();
    server.setNow(now);
    const library = libraryUserOf(MFA_LIBRARY.email);
    const challenged = await library.signIn(MFA_LIBRARY.password);
    if (challenged.kind !== 'totp') throw new Error(`expected the TOTP challenge, got ${challenged.kind}`);

    // Act
    const outcome = await library.sendTotp(totpCode(MFA_LIBRARY.totpSecret, timeStepAt(now)));

    // Assert
    expect(idTokenOf(outcome)['cognito:username']).toBe(MFA_LIBRARY.username);
    expect(operations()).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA',
    ]);
  });
});

// --- The AWS SDK v3 ----------------------------------------------------------------------------------------------

describe('driven with the AWS SDK v3', () => {
  let sdk: CognitoIdentityProviderClient;

  beforeAll(() => {
    sdk = new CognitoIdentityProviderClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDHARNESS', secretAccessKey: 'harness' },
      maxAttempts: 1,
    });
  });

  afterAll(() => {
    sdk?.destroy();
  });

  const initiate = (input: ConstructorParameters<typeof InitiateAuthCommand>[0]) =>
    sdk.send(new InitiateAuthCommand(input));
  const respond = (input: ConstructorParameters<typeof RespondToAuthChallengeCommand>[0]) =>
    sdk.send(new RespondToAuthChallengeCommand(input));

  /**
   * The robot signing in through its email alias on the client with a secret: the first SECRET_HASH over the alias,
   * the challenge's over the real username the server names.
   */
  const THROUGH_ALIAS_WITH_SECRET = {
    clientId: 'secret-client',
    username: ROBOT.email,
    password: ROBOT.password,
    initiateHash: secretHash(ROBOT.email),
    challengeHash: (userIdForSrp: string) => secretHash(userIdForSrp),
  };

  /** Starts SRP and answers PASSWORD_VERIFIER with our client, optionally signing a doctored timestamp. */
  async function srpSignIn(options: {
    clientId: string;
    username: string;
    password: string;
    initiateHash?: string;
    challengeHash?: (userIdForSrp: string) => string | undefined;
    challengeUsername?: string;
    timestamp?: (now: Date) => string;
    now?: Date;
    flow?: 'USER_SRP_AUTH' | 'USER_AUTH';
  }): Promise<RespondToAuthChallengeCommandOutput> {
    const random = Buffer.alloc(128);
    const session = startSrp((size) => {
      const bytes = randomBytes(size);
      bytes.copy(random);
      return bytes;
    });
    const started = await initiate({
      ClientId: options.clientId,
      AuthFlow: options.flow ?? 'USER_SRP_AUTH',
      AuthParameters: {
        USERNAME: options.username,
        SRP_A: session.srpA,
        ...(options.flow === 'USER_AUTH' ? { PREFERRED_CHALLENGE: 'PASSWORD_SRP' } : {}),
        ...(options.initiateHash === undefined ? {} : { SECRET_HASH: options.initiateHash }),
      },
    });
    return answerVerifier(started, session, random, options);
  }

  async function answerVerifier(
    started: InitiateAuthCommandOutput | RespondToAuthChallengeCommandOutput,
    session: ReturnType<typeof startSrp>,
    random: Buffer,
    options: {
      clientId: string;
      password: string;
      challengeHash?: (userIdForSrp: string) => string | undefined;
      challengeUsername?: string;
      timestamp?: (now: Date) => string;
      now?: Date;
    },
  ): Promise<RespondToAuthChallengeCommandOutput> {
    expect(started.ChallengeName).toBe('PASSWORD_VERIFIER');
    const p = started.ChallengeParameters ?? {};
    const userIdForSrp = p.USER_ID_FOR_SRP as string;
    const now = options.now ?? new Date();
    let signature: string;
    let timestamp: string;
    if (options.timestamp === undefined) {
      ({ signature, timestamp } = session.passwordVerifier({
        poolName: POOL_NAME,
        userIdForSrp,
        password: options.password,
        saltHex: p.SALT as string,
        srpBHex: p.SRP_B as string,
        secretBlock: p.SECRET_BLOCK as string,
        now,
      }));
    } else {
      // A doctored timestamp, correctly signed: only the timestamp check can refuse it.
      timestamp = options.timestamp(now);
      const key = passwordAuthenticationKey({
        a: BigInt(`0x${random.toString('hex')}`),
        largeA: BigInt(`0x${session.srpA}`),
        largeB: BigInt(`0x${p.SRP_B}`),
        salt: BigInt(`0x${p.SALT}`),
        poolName: POOL_NAME,
        userIdForSrp,
        password: options.password,
      });
      signature = createHmac('sha256', key)
        .update(
          Buffer.concat([
            Buffer.from(POOL_NAME + userIdForSrp),
            Buffer.from(p.SECRET_BLOCK as string, 'base64'),
            Buffer.from(timestamp),
          ]),
        )
        .digest('base64');
    }
    const hash = options.challengeHash?.(userIdForSrp);
    return respond({
      ClientId: options.clientId,
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: started.Session,
      ChallengeResponses: {
        USERNAME: options.challengeUsername ?? userIdForSrp,
        PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK as string,
        PASSWORD_CLAIM_SIGNATURE: signature,
        TIMESTAMP: timestamp,
        ...(hash === undefined ? {} : { SECRET_HASH: hash }),
      },
    });
  }

  describe('USER_SRP_AUTH with our SRP client', () => {
    it('signs in through an alias on a client with a secret: hash over the alias, then over the real name', async () => {
      // Act
      const result = await srpSignIn(THROUGH_ALIAS_WITH_SECRET);

      // Assert
      expect(claims(result.AuthenticationResult?.IdToken)['cognito:username']).toBe(ROBOT.username);
      expect(result.AuthenticationResult).toMatchObject({ ExpiresIn: 900, TokenType: 'Bearer' });
      expect(result.AuthenticationResult?.RefreshToken).toEqual(expect.any(String));
    });

    it.each([
      ['USER_ID_FOR_SRP', ROBOT.username],
      ['the alias', ROBOT.email],
    ])(
      'refuses a challenge answer whose SECRET_HASH is over the alias typed (USERNAME: %s)',
      async (_name, username) => {
        // Act
        const failure = await rejectionOf(
          srpSignIn({
            ...THROUGH_ALIAS_WITH_SECRET,
            challengeHash: () => secretHash(ROBOT.email),
            challengeUsername: username,
          }),
        );

        // Assert
        expect(failure).toEqual({
          name: 'NotAuthorizedException',
          message: 'Unable to verify secret hash for client secret-client',
        });
      },
    );

    it.each([
      ['missing', undefined, 'Client secret-client is configured for secret but secret was not received'],
      ['wrong', secretHash(ROBOT.email, 'srp-client'), 'Unable to verify secret hash for client secret-client'],
      [
        'over the real name while the alias is sent',
        secretHash(ROBOT.username),
        'Unable to verify secret hash for client secret-client',
      ],
    ])('refuses InitiateAuth with a SECRET_HASH %s', async (_name, hash, message) => {
      // Act
      const failure = await rejectionOf(
        initiate({
          ClientId: 'secret-client',
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: {
            USERNAME: ROBOT.email,
            SRP_A: startSrp().srpA,
            ...(hash === undefined ? {} : { SECRET_HASH: hash }),
          },
        }),
      );

      // Assert
      expect(failure).toEqual({ name: 'NotAuthorizedException', message });
    });

    it('refuses a challenge answer without SECRET_HASH on a client with a secret', async () => {
      // Act
      const failure = await rejectionOf(
        srpSignIn({
          clientId: 'secret-client',
          username: ROBOT.username,
          password: ROBOT.password,
          initiateHash: secretHash(ROBOT.username),
        }),
      );

      // Assert
      expect(failure.name).toBe('NotAuthorizedException');
    });

    it('refuses a wrong password', async () => {
      // Act
      const failure = await rejectionOf(
        srpSignIn({ clientId: 'srp-client', username: ROBOT.username, password: 'nope' }),
      );

      // Assert
      expect(failure).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    });

    // 2025-01-05 is a Sunday; the day needs no padding and the hour does.
    const SUNDAY = new Date(Date.UTC(2025, 0, 5, 7, 3, 9));
    it.each([
      { name: 'the exact format', timestamp: (d: Date) => srpTimestamp(d), accepted: true },
      { name: 'a padded day', timestamp: () => 'Sun Jan 05 07:03:09 UTC 2025', accepted: false },
      { name: 'an unpadded hour', timestamp: () => 'Sun Jan 5 7:03:09 UTC 2025', accepted: false },
      { name: 'the wrong weekday', timestamp: () => 'Mon Jan 5 07:03:09 UTC 2025', accepted: false },
      { name: 'a German month name', timestamp: () => 'Sun Jän 5 07:03:09 UTC 2025', accepted: false },
      { name: 'GMT instead of UTC', timestamp: () => 'Sun Jan 5 07:03:09 GMT 2025', accepted: false },
      { name: 'hour 24 for midnight', timestamp: () => 'Sun Jan 5 24:03:09 UTC 2025', accepted: false },
      { name: 'an ISO timestamp', timestamp: (d: Date) => d.toISOString(), accepted: false },
      {
        name: 'six minutes early',
        timestamp: (d: Date) => srpTimestamp(new Date(d.getTime() - 6 * 60_000)),
        accepted: false,
      },
      {
        name: 'four minutes late',
        timestamp: (d: Date) => srpTimestamp(new Date(d.getTime() + 4 * 60_000)),
        accepted: true,
      },
    ])('TIMESTAMP with $name → accepted: $accepted', async ({ timestamp, accepted }) => {
      // Prepare
      server.setNow(SUNDAY.getTime());

      // Act
      const outcome = srpSignIn({
        clientId: 'srp-client',
        username: ROBOT.username,
        password: ROBOT.password,
        timestamp,
        now: SUNDAY,
      });

      // Assert
      if (accepted) expect((await outcome).AuthenticationResult?.IdToken).toEqual(expect.any(String));
      else
        expect(await rejectionOf(outcome)).toEqual({
          name: 'NotAuthorizedException',
          message: 'Incorrect username or password.',
        });
    });

    it('refuses a replayed session', async () => {
      // Prepare
      const session = startSrp();
      const started = await initiate({
        ClientId: 'srp-client',
        AuthFlow: 'USER_SRP_AUTH',
        AuthParameters: { USERNAME: ROBOT.username, SRP_A: session.srpA },
      });
      await answerVerifier(started, session, Buffer.alloc(0), { clientId: 'srp-client', password: ROBOT.password });

      // Act
      const failure = await rejectionOf(
        answerVerifier(started, session, Buffer.alloc(0), { clientId: 'srp-client', password: ROBOT.password }),
      );

      // Assert
      expect(failure.name).toBe('NotAuthorizedException');
    });
  });

  describe('USER_AUTH', () => {
    it('answers no preferred challenge with SELECT_CHALLENGE, then signs in with ANSWER PASSWORD', async () => {
      // Act
      const started = await initiate({
        ClientId: 'choice-client',
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: ROBOT.email },
      });
      const result = await respond({
        ClientId: 'choice-client',
        ChallengeName: 'SELECT_CHALLENGE',
        Session: started.Session,
        ChallengeResponses: { ANSWER: 'PASSWORD', USERNAME: ROBOT.email, PASSWORD: ROBOT.password },
      });

      // Assert
      expect(started).toMatchObject({
        ChallengeName: 'SELECT_CHALLENGE',
        AvailableChallenges: ['PASSWORD', 'PASSWORD_SRP'],
      });
      expect(started.Session).toEqual(expect.any(String));
      expect(claims(result.AuthenticationResult?.IdToken)['cognito:username']).toBe(ROBOT.username);
    });

    it('signs in with ANSWER PASSWORD_SRP after SELECT_CHALLENGE', async () => {
      // Prepare
      const started = await initiate({
        ClientId: 'choice-client',
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: ROBOT.email },
      });
      const session = startSrp();

      // Act
      const verifier = await respond({
        ClientId: 'choice-client',
        ChallengeName: 'SELECT_CHALLENGE',
        Session: started.Session,
        ChallengeResponses: { ANSWER: 'PASSWORD_SRP', USERNAME: ROBOT.email, SRP_A: session.srpA },
      });
      const result = await answerVerifier(verifier, session, Buffer.alloc(0), {
        clientId: 'choice-client',
        password: ROBOT.password,
      });

      // Assert
      expect(claims(result.AuthenticationResult?.IdToken)['cognito:username']).toBe(ROBOT.username);
    });

    it('signs in directly with PREFERRED_CHALLENGE PASSWORD, and with PASSWORD_SRP on a client with a secret', async () => {
      // Act
      const byPassword = await initiate({
        ClientId: 'choice-client',
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: ROBOT.username, PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: ROBOT.password },
      });
      const bySrp = await srpSignIn({ ...THROUGH_ALIAS_WITH_SECRET, flow: 'USER_AUTH' });

      // Assert
      expect(claims(byPassword.AuthenticationResult?.IdToken)['cognito:username']).toBe(ROBOT.username);
      expect(claims(bySrp.AuthenticationResult?.IdToken)['cognito:username']).toBe(ROBOT.username);
    });

    it('refuses a wrong password under PREFERRED_CHALLENGE PASSWORD', async () => {
      // Act
      const failure = await rejectionOf(
        initiate({
          ClientId: 'choice-client',
          AuthFlow: 'USER_AUTH',
          AuthParameters: { USERNAME: ROBOT.username, PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: 'wrong' },
        }),
      );

      // Assert
      expect(failure).toEqual({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    });

    it.each([
      ['USER_AUTH', 'srp-client'],
      ['USER_PASSWORD_AUTH', 'srp-client'],
      ['USER_PASSWORD_AUTH', 'choice-client'],
      ['USER_SRP_AUTH', 'choice-client'],
    ] as const)('refuses %s on %s with "<FLOW> flow not enabled for this client"', async (flow, clientId) => {
      // Act
      const failure = await rejectionOf(
        initiate({
          ClientId: clientId,
          AuthFlow: flow,
          AuthParameters: { USERNAME: ROBOT.username, PASSWORD: ROBOT.password, SRP_A: startSrp().srpA },
        }),
      );

      // Assert
      expect(failure).toEqual({
        name: 'InvalidParameterException',
        message: `${flow} flow not enabled for this client`,
      });
    });
  });

  describe('SOFTWARE_TOKEN_MFA', () => {
    // The MFA user's used steps persist across tests, so each test starts later than the last.
    let clock = Date.UTC(2030, 5, 1, 12, 0, 0);
    beforeEach(() => {
      clock += 10 * 60_000;
      server.setNow(clock);
    });

    async function passwordStep(): Promise<string | undefined> {
      const started = await initiate({
        ClientId: 'password-client',
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: MFA.email, PASSWORD: MFA.password },
      });
      expect(started).toMatchObject({
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        ChallengeParameters: { USER_ID_FOR_SRP: MFA.username },
      });
      expect(started.AuthenticationResult).toBeUndefined();
      return started.Session;
    }

    const sendCode = (session: string | undefined, code: string) =>
      respond({
        ClientId: 'password-client',
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: session,
        ChallengeResponses: { USERNAME: MFA.username, SOFTWARE_TOKEN_MFA_CODE: code },
      });

    it('refuses the same code for a second sign-in in the same step, and takes the next step', async () => {
      // Prepare
      const code = totpCode(MFA.totpSecret, timeStepAt(clock));
      const first = await sendCode(await passwordStep(), code);

      // Act
      const again = await rejectionOf(sendCode(await passwordStep(), code));
      server.setNow(clock + 30_000);
      const next = await sendCode(await passwordStep(), totpCode(MFA.totpSecret, timeStepAt(clock + 30_000)));

      // Assert
      expect(first.AuthenticationResult?.IdToken).toEqual(expect.any(String));
      expect(again).toEqual({ name: 'CodeMismatchException', message: 'Invalid code received for user' });
      expect(next.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    });

    it.each([
      ['the previous step', -1, true],
      ['the next step', 1, true],
      ['two steps back', -2, false],
      ['two steps ahead', 2, false],
    ])('takes a code from %s: %s', async (_name, offset, accepted) => {
      // Act
      const outcome = sendCode(await passwordStep(), totpCode(MFA.totpSecret, timeStepAt(clock) + offset));

      // Assert
      if (accepted) expect((await outcome).AuthenticationResult?.IdToken).toEqual(expect.any(String));
      else expect((await rejectionOf(outcome)).name).toBe('CodeMismatchException');
    });

    it('refuses a wrong code', async () => {
      // Prepare
      const right = totpCode(MFA.totpSecret, timeStepAt(clock));
      const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');

      // Act
      const failure = await rejectionOf(sendCode(await passwordStep(), wrong));

      // Assert
      expect(failure).toEqual({ name: 'CodeMismatchException', message: 'Invalid code received for user' });
    });
  });

  describe('REFRESH_TOKEN_AUTH', () => {
    async function signInThroughAlias() {
      const result = await initiate({
        ClientId: 'secret-client',
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: ROBOT.email, PASSWORD: ROBOT.password, SECRET_HASH: secretHash(ROBOT.email) },
      });
      return result.AuthenticationResult ?? {};
    }

    const refreshTokenAuth = (ClientId: string, AuthParameters: Record<string, string>) =>
      initiate({ ClientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters });

    it('renews with SECRET_HASH over cognito:username: new ID and access tokens, no refresh token', async () => {
      // Prepare
      const signedIn = await signInThroughAlias();
      const realName = claims(signedIn.IdToken)['cognito:username'] as string;

      // Act
      const renewed = await refreshTokenAuth('secret-client', {
        REFRESH_TOKEN: signedIn.RefreshToken as string,
        SECRET_HASH: secretHash(realName),
      });

      // Assert
      expect(realName).toBe(ROBOT.username);
      expect(renewed.AuthenticationResult?.RefreshToken).toBeUndefined();
      expect(renewed.AuthenticationResult?.IdToken).not.toBe(signedIn.IdToken);
      expect(renewed.AuthenticationResult?.AccessToken).not.toBe(signedIn.AccessToken);
      expect(claims(renewed.AuthenticationResult?.AccessToken)).toMatchObject({
        token_use: 'access',
        client_id: 'secret-client',
      });
      expect(renewed.AuthenticationResult).toMatchObject({ ExpiresIn: 900, TokenType: 'Bearer' });
    });

    it('refuses a SECRET_HASH over the alias the user signed in with', async () => {
      // Prepare
      const signedIn = await signInThroughAlias();

      // Act
      const failure = await rejectionOf(
        refreshTokenAuth('secret-client', {
          REFRESH_TOKEN: signedIn.RefreshToken as string,
          SECRET_HASH: secretHash(ROBOT.email),
        }),
      );

      // Assert
      expect(failure).toEqual({
        name: 'NotAuthorizedException',
        message: 'Unable to verify secret hash for client secret-client',
      });
    });

    it('refuses an unknown refresh token and one issued to another client', async () => {
      // Prepare
      const signedIn = await signInThroughAlias();

      // Act
      const unknown = await rejectionOf(refreshTokenAuth('srp-client', { REFRESH_TOKEN: 'made-up' }));
      const otherClient = await rejectionOf(
        refreshTokenAuth('srp-client', { REFRESH_TOKEN: signedIn.RefreshToken as string }),
      );

      // Assert
      expect(unknown).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
      expect(otherClient).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    });
  });

  it('records every request, refused ones included', async () => {
    // Act
    await rejectionOf(
      initiate({ ClientId: 'nobody', AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'x', SRP_A: '2' } }),
    );
    await initiate({ ClientId: 'choice-client', AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: ROBOT.username } });

    // Assert
    expect(operations()).toEqual(['InitiateAuth:USER_SRP_AUTH', 'InitiateAuth:USER_AUTH']);
    expect(server.requests[0]?.body.ClientId).toBe('nobody');
  });
});

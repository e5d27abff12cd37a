import {
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  NotAuthorizedException,
  RefreshTokenReuseException,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { printedForms } from '../harness/leak-scan.js';
import { errorName } from '../src/core/failure.js';
import { describeCause } from '../src/core/redaction.js';
import { type CognitoTokenError, computeSecretHash, type TokenProvider } from '../src/index.js';
import { internalError, notAuthorized, throttled } from './helpers/cognito-errors.js';
import { failureOf } from './helpers/failure-of.js';
import { cognitoTokens } from './helpers/fake-jwt.js';
import {
  CLIENT_ID as clientId,
  mockCognitoOnFakeClock,
  nowSeconds,
  signInAndRefresh,
  userProvider,
} from './helpers/providers.js';

const password = 'Leak-Canary-Password-91';
const clientSecret = 'leak-canary-client-secret-77';
const alias = 'svc@example.com';
const realUsername = '0f5c1d9e-leak-user';
const issued: string[] = [];
const cognito = mockCognitoOnFakeClock();

function tokensFor(serial: number) {
  const result = cognitoTokens({ username: realUsername, nowSeconds: nowSeconds(), serial });
  issued.push(result.IdToken, result.AccessToken, result.RefreshToken, result.IdToken.split('.')[2] as string);
  return { AuthenticationResult: result };
}

function secrets(): string[] {
  return [
    password,
    clientSecret,
    computeSecretHash(alias, clientId, clientSecret),
    computeSecretHash(realUsername, clientId, clientSecret),
    ...issued,
  ];
}

/** Everything a user could print: each object we return or throw, both ways, and every log line. */
function expectNoSecretIn(printed: string[]) {
  const all = printed.join('\n');
  for (const secret of secrets()) expect(all).not.toContain(secret);
}

beforeEach(() => {
  issued.length = 0;
});

describe('leak scan', () => {
  it('shows no secret through the provider, its results, its errors or its logs across every path', async () => {
    let serial = 0;
    const { signIn, refresh } = signInAndRefresh(cognito, InitiateAuthCommand, 'USER_PASSWORD_AUTH');
    signIn.callsFake(() => tokensFor(++serial));
    refresh.rejectsOnce(notAuthorized('Refresh token rotation is enabled')).callsFake(() => tokensFor(++serial));
    cognito.on(GetTokensFromRefreshTokenCommand).callsFake(() => tokensFor(++serial));
    const lines: string[] = [];
    const logger = { debug: (message: string, details?: unknown) => lines.push(message, JSON.stringify(details)) };
    const source = async () => ({ username: alias, password, clientSecret });
    const provider: TokenProvider = userProvider({ credentials: source, logger });
    const printed: string[] = [];

    printed.push(...printedForms(provider));
    const tokens = await provider.getTokens();
    printed.push(...printedForms(tokens), ...printedForms(provider));
    await vi.advanceTimersByTimeAsync(3600_000);
    printed.push(...printedForms(await provider.getTokens()));
    printed.push(...printedForms(await provider.refresh()));
    printed.push(...printedForms(provider));

    expect(tokens.idToken).toBe(issued[0]);
    expect(issued.length).toBeGreaterThan(8);
    expectNoSecretIn([...printed, ...lines]);
  });

  it('shows no secret in the errors and logs of failed sign-ins and renewals', async () => {
    const lines: string[] = [];
    const logger = { debug: (message: string, details?: unknown) => lines.push(message, JSON.stringify(details)) };
    const printed: string[] = [];
    const attempt = async (provider: TokenProvider) => {
      const pending = provider.getIdToken().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(20_000);
      const error = await pending;
      expect(error).toBeInstanceOf(Error);
      printed.push(...printedForms(error));
    };
    const options = {
      clientId,
      region: 'eu-west-1',
      timeoutMs: 5_000,
      logger,
      credentials: async () => ({ username: alias, password, clientSecret }),
    };

    for (const failure of [notAuthorized(), throttled(), internalError()]) {
      cognito.reset();
      cognito.on(InitiateAuthCommand).rejects(failure);
      await attempt(userProvider(options));
    }
    cognito.reset();
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session-canary-5' });
    await attempt(userProvider(options));
    await attempt(userProvider({ ...options, credentials: async () => Promise.reject(new Error('source down')) }));
    cognito.reset();
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => tokensFor(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(new RefreshTokenReuseException({ message: 'Refresh token reuse detected', $metadata: {} }));
    const rotating = userProvider({ ...options, refresh: 'get-tokens-from-refresh-token' });
    await rotating.getIdToken();
    cognito.on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' }).rejects(internalError());
    await vi.advanceTimersByTimeAsync(3600_000);
    await attempt(rotating);

    expectNoSecretIn([...printed, ...lines]);
    expect([...printed, ...lines].join('\n')).not.toContain('session-canary-5');
  });

  it('keeps the SDK error as cause but scrubs an echoed secret from it, so printing the error is safe', async () => {
    const echoing = new InvalidParameterException({
      message: `Value '${password}' at 'authParameters' failed to satisfy constraint`,
      $metadata: { httpStatusCode: 400 },
    });
    cognito.on(InitiateAuthCommand).rejects(echoing);
    const provider = userProvider({ credentials: { username: alias, password, clientSecret } });

    const error = (await provider.getIdToken().catch((thrown: unknown) => thrown)) as CognitoTokenError;

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toMatchObject({ name: echoing.name, $metadata: { httpStatusCode: 400 } });
    expect(error.cause).not.toBe(echoing);
    expectNoSecretIn(printedForms(error));
    expect(printedForms(error).join('')).toContain('[redacted]');
  });

  it('withholds the text of a garbled response, which may hold a token, and treats it as transient', async () => {
    const garbled = Object.assign(
      new SyntaxError(`Unexpected token in JSON at "${issued[0] ?? 'eyJraWQiOiJ4In0'}..."`),
      {
        $metadata: { httpStatusCode: 200 },
      },
    );
    cognito.on(InitiateAuthCommand).rejects(garbled);
    const provider = userProvider({ timeoutMs: 300, credentials: { username: alias, password } });

    const pending = provider.getIdToken().catch((thrown: unknown) => thrown);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = (await pending) as CognitoTokenError;

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(printedForms(error).join('')).not.toContain('eyJraWQiOiJ4In0');
  });

  it('scrubs the failure kept as cause when retries run out, for sign-in, renewal and rotation alike', async () => {
    const echoing = (name: 'InternalErrorException' | 'TooManyRequestsException', echoed: string) =>
      Object.assign(new Error(`upstream choked on ${echoed}`), { name, $metadata: { httpStatusCode: 500 } });
    const options = {
      clientId,
      region: 'eu-west-1',
      timeoutMs: 2_000,
      credentials: { username: alias, password, clientSecret },
    };
    const failures: CognitoTokenError[] = [];
    const failure = async (pending: Promise<unknown>) => {
      const caught = failureOf(pending);
      await vi.advanceTimersByTimeAsync(5_000);
      failures.push(await caught);
    };

    cognito.on(InitiateAuthCommand).rejects(echoing('InternalErrorException', `PASSWORD=${password}`));
    await failure(userProvider(options).getIdToken());
    cognito.reset();
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => tokensFor(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .callsFake(() => Promise.reject(echoing('InternalErrorException', issued[2] ?? '')));
    const renewing = userProvider(options);
    await renewing.getIdToken();
    await failure(renewing.refresh());
    cognito
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => Promise.reject(echoing('TooManyRequestsException', `${issued[2]} ${clientSecret}`)));
    const rotating = userProvider({ ...options, refresh: 'get-tokens-from-refresh-token' });
    await rotating.getIdToken();
    await failure(rotating.refresh());

    expect(failures.map((error) => error.code)).toEqual(['ERR_UNAVAILABLE', 'ERR_UNAVAILABLE', 'ERR_THROTTLED']);
    for (const error of failures) {
      expect(printedForms(error).join('')).toContain('upstream choked on');
      expectNoSecretIn(printedForms(error));
    }
  });

  it('drops the raw HTTP response the SDK keeps on its errors, whose request headers hold AWS credentials', async () => {
    const sessionToken = 'aws-session-token-canary-0042';
    const request = { _header: `POST / HTTP/1.1\r\nx-amz-security-token: ${sessionToken}\r\n` };
    const refused = new InvalidParameterException({ message: 'Bad request', $metadata: { httpStatusCode: 400 } });
    // The SDK defines $response as a hidden property: showHidden inspection still prints it.
    Object.defineProperty(refused, '$response', {
      value: { statusCode: 400, headers: {}, body: { req: request } },
      enumerable: false,
    });
    cognito.on(InitiateAuthCommand).rejects(refused);
    const provider = userProvider({ credentials: { username: alias, password } });

    const error = (await provider.getIdToken().catch((thrown: unknown) => thrown)) as CognitoTokenError;

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toMatchObject({ name: refused.name, $metadata: { httpStatusCode: 400 } });
    expect(printedForms(error).join('')).not.toContain(sessionToken);
  });

  it('gives a typed error with the original cause for odd failures: a message that is not text, a throwing getter, a plain object', async () => {
    const numericMessage = Object.assign(new NotAuthorizedException({ message: 'x', $metadata: {} }), {
      message: 42 as unknown as string,
    });
    const hostileName = Object.defineProperty(new Error('Bad request'), 'name', {
      get() {
        throw new RangeError('getter boom');
      },
    });
    const plainObject = { name: 'InvalidParameterException', message: `Value '${password}' is invalid` };
    const provider = () => userProvider({ credentials: { username: alias, password, clientSecret } });
    const outcomes: [string, unknown][] = [];

    for (const thrown of [numericMessage, hostileName, plainObject]) {
      cognito.reset();
      cognito.on(InitiateAuthCommand).callsFake(() => Promise.reject(thrown));
      const error = (await provider()
        .getIdToken()
        .catch((caught: unknown) => caught)) as CognitoTokenError;
      outcomes.push([error.code, errorName(error.cause)]);
      // The hostile getter would make util.inspect throw on the original; the sanitised cause can be printed.
      expectNoSecretIn(printedForms(error));
    }

    expect(outcomes).toEqual([
      ['ERR_AUTHENTICATION', 'NotAuthorizedException'],
      ['ERR_CONFIGURATION', 'Error'],
      ['ERR_CONFIGURATION', 'InvalidParameterException'],
    ]);
  });

  it('redacts a secret that a service error message might echo back', () => {
    const echoed = new Error(`Value '${password}' at 'authParameters' failed to satisfy constraint`);
    expect(describeCause(echoed, [password, clientSecret])).toBe(
      "Error: Value '[redacted]' at 'authParameters' failed to satisfy constraint",
    );
  });
});

import { inspect } from 'node:util';
import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  RefreshTokenReuseException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeCause } from '../src/aws-error.js';
import type { CognitoTokenError } from '../src/errors.js';
import { computeSecretHash } from '../src/secret-hash.js';
import { createTokenProvider, type TokenProvider } from '../src/token-provider.js';
import { internalError, notAuthorized, throttled } from './helpers/cognito-errors.js';
import { cognitoTokens } from './helpers/fake-jwt.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const clientId = '4rtbp1kcm0example';
const password = 'Leak-Canary-Password-91';
const clientSecret = 'leak-canary-client-secret-77';
const alias = 'svc@example.com';
const realUsername = '0f5c1d9e-leak-user';
const issued: string[] = [];

function tokensFor(serial: number) {
  const result = cognitoTokens({ username: realUsername, nowSeconds: Math.floor(Date.now() / 1000), serial });
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

function render(value: unknown): string[] {
  return [
    inspect(value, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: false }),
    JSON.stringify(value) ?? '',
    String(value),
    value instanceof Error ? `${value.message}\n${value.stack}` : '',
  ];
}

beforeEach(() => {
  cognito.reset();
  issued.length = 0;
  vi.useFakeTimers({ now: new Date('2026-11-26T09:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('leak scan', () => {
  it('shows no secret through the provider, its results, its errors or its logs across every path', async () => {
    let serial = 0;
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => tokensFor(++serial))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejectsOnce(notAuthorized('Refresh token rotation is enabled'))
      .callsFake(() => tokensFor(++serial))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => tokensFor(++serial));
    const lines: string[] = [];
    const logger = { debug: (message: string, details?: unknown) => lines.push(message, JSON.stringify(details)) };
    const source = async () => ({ username: alias, password, clientSecret });
    const provider: TokenProvider = createTokenProvider({ clientId, region: 'eu-west-1', credentials: source, logger });
    const printed: string[] = [];

    printed.push(...render(provider));
    const tokens = await provider.getTokens();
    printed.push(...render(tokens), ...render(provider));
    await vi.advanceTimersByTimeAsync(3600_000);
    printed.push(...render(await provider.getTokens()));
    printed.push(...render(await provider.refresh()));
    printed.push(...render(provider));

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
      printed.push(...render(error));
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
      await attempt(createTokenProvider(options));
    }
    cognito.reset();
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session-canary-5' });
    await attempt(createTokenProvider(options));
    await attempt(
      createTokenProvider({ ...options, credentials: async () => Promise.reject(new Error('source down')) }),
    );
    cognito.reset();
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => tokensFor(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(new RefreshTokenReuseException({ message: 'Refresh token reuse detected', $metadata: {} }));
    const rotating = createTokenProvider({ ...options, refresh: 'get-tokens-from-refresh-token' });
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
    const provider = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      credentials: { username: alias, password, clientSecret },
    });

    const error = (await provider.getIdToken().catch((thrown: unknown) => thrown)) as CognitoTokenError;

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toBe(echoing);
    expect(error.cause).toBeInstanceOf(InvalidParameterException);
    expectNoSecretIn(render(error));
    expect(render(error).join('')).toContain('[redacted]');
  });

  it('withholds the text of a garbled response, which may hold a token, and treats it as transient', async () => {
    const garbled = Object.assign(
      new SyntaxError(`Unexpected token in JSON at "${issued[0] ?? 'eyJraWQiOiJ4In0'}..."`),
      {
        $metadata: { httpStatusCode: 200 },
      },
    );
    cognito.on(InitiateAuthCommand).rejects(garbled);
    const provider = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      timeoutMs: 300,
      credentials: { username: alias, password },
    });

    const pending = provider.getIdToken().catch((thrown: unknown) => thrown);
    await vi.advanceTimersByTimeAsync(1_000);
    const error = (await pending) as CognitoTokenError;

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(render(error).join('')).not.toContain('eyJraWQiOiJ4In0');
  });

  it('redacts a secret that a service error message might echo back', () => {
    const echoed = new Error(`Value '${password}' at 'authParameters' failed to satisfy constraint`);
    expect(describeCause(echoed, [password, clientSecret])).toBe(
      "Error: Value '[redacted]' at 'authParameters' failed to satisfy constraint",
    );
  });
});

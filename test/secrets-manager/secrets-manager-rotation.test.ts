// The rotation path end to end through the real token providers, with Cognito and Secrets Manager mocked: how many
// GetSecretValue requests and sign-ins each stage of a rotation costs, and that a wrong password never loops.
import { format, inspect } from 'node:util';
import { GetClientTokenCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { createTokenProvider, shareTokenStore } from '../../src/index.js';
import { fromSecretsManager } from '../../src/secrets-manager/index.js';
import { notAuthorized } from '../helpers/cognito-errors.js';
import {
  expectNoneShown,
  NEW_PASSWORD,
  NEW_SECRET,
  OLD_PASSWORD,
  OLD_SECRET,
  providerReading,
} from '../helpers/credential-source.js';
import { failureOf } from '../helpers/failure-of.js';
import { cognitoTokens, fakeJwt } from '../helpers/fake-jwt.js';
import { clientProvider, mockCognitoOnFakeClock, mockForFile, nowSeconds, USERNAME } from '../helpers/providers.js';

const WRONG_PASSWORD = 'Wrong-Canary-Pa55word-53';
const SECRET_ID = 'svc/orders/cognito';
const clientConfig = { region: 'eu-west-1' };
const issued: string[] = [];
const cognito = mockCognitoOnFakeClock();
const secretsManager = mockForFile(mockClient(SecretsManagerClient));

/** The versions of the secret by staging label; a test rotates it by reassigning. */
let stored: { AWSCURRENT: Record<string, string>; AWSPENDING?: Record<string, string> };
/** What Cognito accepts right now. */
let accepted: { password: string; clientSecret: string };
/** Secrets Manager reads and Cognito requests, in the order they happened. */
let events: string[];

function answerSecretsManager(input: GetSecretValueCommandInput) {
  const stage = input.VersionStage ?? 'AWSCURRENT';
  events.push(`GetSecretValue ${stage}`);
  const value = stored[stage as keyof typeof stored];
  if (value === undefined) {
    const message = `Secrets Manager can't find the specified secret value for staging label: ${stage}`;
    return Promise.reject(new ResourceNotFoundException({ message, $metadata: { httpStatusCode: 400 } }));
  }
  return Promise.resolve({ Name: SECRET_ID, VersionId: `${stage}-id`, SecretString: JSON.stringify(value) });
}

const passwordName = (password: string | undefined) =>
  ({ [OLD_PASSWORD]: 'old', [NEW_PASSWORD]: 'new', [WRONG_PASSWORD]: 'wrong' })[password ?? ''] ?? 'unknown';

function answerInitiateAuth(input: { AuthParameters?: Record<string, string> }) {
  const password = input.AuthParameters?.PASSWORD;
  const ok = password === accepted.password;
  events.push(`InitiateAuth ${passwordName(password)} password: ${ok ? 'signed in' : 'NotAuthorized'}`);
  if (!ok) return Promise.reject(notAuthorized());
  const result = cognitoTokens({ username: USERNAME, nowSeconds: nowSeconds(), serial: events.length });
  issued.push(result.IdToken, result.AccessToken, result.RefreshToken);
  return Promise.resolve({ AuthenticationResult: result });
}

function answerGetClientToken(input: { Secret?: string }) {
  const ok = input.Secret === accepted.clientSecret;
  events.push(
    `GetClientToken ${input.Secret === NEW_SECRET ? 'new' : 'old'} secret: ${ok ? 'issued' : 'NotAuthorized'}`,
  );
  if (!ok) return Promise.reject(notAuthorized('Invalid client secret'));
  const accessToken = fakeJwt({ token_use: 'access', iat: nowSeconds(), exp: nowSeconds() + 3600 }, 'c2ln');
  issued.push(accessToken);
  return Promise.resolve({ ClientAuthenticationResult: { AccessToken: accessToken, ExpiresIn: 3600 } });
}

const user = (password: string) => ({ username: USERNAME, password });
const reads = () => events.filter((event) => event.startsWith('GetSecretValue')).length;
const signIns = () => events.filter((event) => event.startsWith('InitiateAuth')).length;

const provider = (logged: string[] = []) =>
  providerReading(fromSecretsManager({ secretId: SECRET_ID, clientConfig }), logged);

/** A provider signed in with the old password, then the secret rotated to `versions`, Cognito taking only the new password, and the tokens dropped. */
async function signedInThenRotated(versions: typeof stored) {
  const tokens = provider();
  await tokens.getIdToken();
  stored = versions;
  accepted.password = NEW_PASSWORD;
  tokens.invalidate();
  return tokens;
}

beforeEach(() => {
  secretsManager.on(GetSecretValueCommand).callsFake(answerSecretsManager);
  cognito.on(InitiateAuthCommand).callsFake(answerInitiateAuth);
  cognito.on(GetClientTokenCommand).callsFake(answerGetClientToken);
  stored = { AWSCURRENT: user(OLD_PASSWORD) };
  accepted = { password: OLD_PASSWORD, clientSecret: OLD_SECRET };
  events = [];
});

describe('a password rotated by a rotation function', () => {
  it('in the rotation window (Cognito has the AWSPENDING password): 3 reads and 2 sign-ins, then tokens', async () => {
    stored = { AWSCURRENT: user(OLD_PASSWORD), AWSPENDING: user(NEW_PASSWORD) };
    accepted.password = NEW_PASSWORD;

    const idToken = await provider().getIdToken();

    expect(idToken).toBe(issued.at(-3));
    expect(events).toEqual([
      'GetSecretValue AWSCURRENT',
      'InitiateAuth old password: NotAuthorized',
      'GetSecretValue AWSCURRENT',
      'GetSecretValue AWSPENDING',
      'InitiateAuth new password: signed in',
    ]);
  });

  it('once the rotation has finished (AWSCURRENT moved): 2 reads and 2 sign-ins, no AWSPENDING read', async () => {
    const tokens = await signedInThenRotated({ AWSCURRENT: user(NEW_PASSWORD) });
    events = [];

    await tokens.getIdToken();

    expect(events).toEqual([
      // The cached read, well inside maxAgeSeconds...
      'InitiateAuth old password: NotAuthorized',
      // ...so only the rejection's forced reload asks again.
      'GetSecretValue AWSCURRENT',
      'InitiateAuth new password: signed in',
    ]);
  });

  it('from start to end: the pending password is kept while it works, and AWSCURRENT read again after maxAge', async () => {
    // The rotation function's createSecret and setSecret steps.
    const tokens = await signedInThenRotated({ AWSCURRENT: user(OLD_PASSWORD), AWSPENDING: user(NEW_PASSWORD) });
    await tokens.getIdToken();
    const duringRotation = { reads: reads(), signIns: signIns() };
    tokens.invalidate();
    await tokens.getIdToken();
    const withPendingCached = { reads: reads(), signIns: signIns() };
    // finishSecret: AWSCURRENT moves to the new version, and AWSPENDING goes.
    stored = { AWSCURRENT: user(NEW_PASSWORD) };
    vi.advanceTimersByTime(300_000);
    tokens.invalidate();
    await tokens.getIdToken();

    expect(duringRotation).toEqual({ reads: 1 + 2, signIns: 1 + 2 });
    expect(withPendingCached).toEqual({ reads: 3, signIns: 4 });
    expect(events.slice(-2)).toEqual(['GetSecretValue AWSCURRENT', 'InitiateAuth new password: signed in']);
  });

  it('gives ERR_AUTHENTICATION for a wrong password with no rotation under way: 3 reads, 2 sign-ins, per call', async () => {
    stored = { AWSCURRENT: user(WRONG_PASSWORD) };
    const tokens = provider();

    const first = await failureOf(tokens.getIdToken());
    const afterFirst = [...events];
    const second = await failureOf(tokens.getIdToken());

    expect(first.code).toBe('ERR_AUTHENTICATION');
    expect(second.code).toBe('ERR_AUTHENTICATION');
    expect(afterFirst).toEqual([
      'GetSecretValue AWSCURRENT',
      'InitiateAuth wrong password: NotAuthorized',
      'GetSecretValue AWSCURRENT',
      'GetSecretValue AWSPENDING',
      'InitiateAuth wrong password: NotAuthorized',
    ]);
    // The next call: the cached read, then one forced reload of two requests, never more.
    expect(events.slice(afterFirst.length)).toEqual([
      'InitiateAuth wrong password: NotAuthorized',
      'GetSecretValue AWSCURRENT',
      'GetSecretValue AWSPENDING',
      'InitiateAuth wrong password: NotAuthorized',
    ]);
  });

  it('gives ERR_AUTHENTICATION when the AWSPENDING password is wrong too: 3 reads, 2 sign-ins', async () => {
    stored = { AWSCURRENT: user(OLD_PASSWORD), AWSPENDING: user(WRONG_PASSWORD) };
    accepted.password = NEW_PASSWORD;

    const error = await failureOf(provider().getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(reads()).toBe(3);
    expect(signIns()).toBe(2);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('surfaces a failed AWSPENDING read as the ERR_CREDENTIALS fromSecretsManager raised', async () => {
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));
    accepted.password = NEW_PASSWORD;

    const error = await failureOf(provider().getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`the AWSPENDING version of Secrets Manager secret "${SECRET_ID}"`);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });
});

describe('a client secret rotated for machine-to-machine tokens', () => {
  it('in the rotation window: 3 reads and 2 GetClientToken requests, then a token', async () => {
    stored = { AWSCURRENT: { clientSecret: OLD_SECRET }, AWSPENDING: { clientSecret: NEW_SECRET } };
    accepted.clientSecret = NEW_SECRET;
    const m2m = clientProvider({ credentials: fromSecretsManager({ secretId: SECRET_ID, clientConfig }) });

    const accessToken = await m2m.getAccessToken();

    expect(accessToken).toBe(issued.at(-1));
    expect(events).toEqual([
      'GetSecretValue AWSCURRENT',
      'GetClientToken old secret: NotAuthorized',
      'GetSecretValue AWSCURRENT',
      'GetSecretValue AWSPENDING',
      'GetClientToken new secret: issued',
    ]);
  });
});

describe('with a shared cache', () => {
  it('lets a second instance use the tokens the first got in the rotation window, with no sign-in', async () => {
    // The store's entry sealing and lease polling run on real time.
    vi.useRealTimers();
    stored = { AWSCURRENT: user(OLD_PASSWORD), AWSPENDING: user(NEW_PASSWORD) };
    accepted.password = NEW_PASSWORD;
    // A client without a secret: the fleet needs an explicit key.
    const memory = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(3) });
    const instance = () =>
      createTokenProvider({
        clientId: 'fleet-client',
        userPoolId: 'eu-west-1_Fleet1',
        clientConfig,
        credentials: fromSecretsManager({ secretId: SECRET_ID, clientConfig }),
        sharedCache: shareTokenStore(memory.store),
      });

    const first = await instance().getIdToken();
    const signInsByFirst = signIns();
    const second = await instance().getIdToken();

    expect(second).toBe(first);
    expect(signInsByFirst).toBe(2);
    expect(signIns()).toBe(2);
  });
});

describe('leak scan', () => {
  it('shows no password, secret or token in log lines, errors, the provider or the source', async () => {
    const logged: string[] = [];
    stored = { AWSCURRENT: user(OLD_PASSWORD), AWSPENDING: user(NEW_PASSWORD) };
    accepted.password = NEW_PASSWORD;
    const tokens = provider(logged);
    await tokens.getIdToken();
    stored = { AWSCURRENT: user(WRONG_PASSWORD) };
    vi.advanceTimersByTime(300_000);
    tokens.invalidate();
    const error = await failureOf(tokens.getIdToken());

    const views = [
      ...logged,
      error.message,
      inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      inspect(tokens, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      format('%o %j', tokens, tokens),
    ];
    const secrets = [OLD_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, ...issued];

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(logged.some((line) => line.includes('reloading credentials'))).toBe(true);
    expectNoneShown(views, secrets);
  });
});

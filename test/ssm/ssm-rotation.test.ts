// The password-rotation path end to end through the real token provider, with both AWS clients mocked.
import { format, inspect } from 'node:util';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AccessDeniedException, GetParametersCommand, type Parameter, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { computeSecretHash } from '../../src/index.js';
import { fromSsm } from '../../src/ssm/index.js';
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
import { cognitoTokens } from '../helpers/fake-jwt.js';
import {
  CLIENT_ID as clientId,
  mockCognitoOnFakeClock,
  mockForFile,
  nowSeconds,
  USERNAME,
} from '../helpers/providers.js';

const NAMES = { username: '/svc/orders/username', password: '/svc/orders/password' } as const;
const JSON_NAME = '/svc/orders/cognito';
const issued: string[] = [];
const cognito = mockCognitoOnFakeClock();
const ssm = mockForFile(mockClient(SSMClient));

/** What SSM holds right now; a test rotates it by reassigning. */
let stored: { password: string; clientSecret?: string };
/** SSM reads and sign-in attempts, in the order they happened. */
let events: string[];

function parameter(Name: string, Value: string): Parameter {
  return { Name, Value, Type: 'SecureString', Version: 1 };
}

function answerSsm(input: { Names?: string[] }) {
  events.push('ssm GetParameters');
  const json = JSON.stringify({ username: USERNAME, ...stored });
  const values: Record<string, string> = { [NAMES.username]: USERNAME, [NAMES.password]: stored.password };
  values[JSON_NAME] = json;
  return Promise.resolve({ Parameters: (input.Names ?? []).map((name) => parameter(name, values[name] ?? '')) });
}

/** Cognito accepts the stored password (and client secret, through SECRET_HASH) and nothing else. */
function answerCognito(input: { AuthParameters?: Record<string, string> }) {
  const { PASSWORD, SECRET_HASH } = input.AuthParameters ?? {};
  events.push(`InitiateAuth with ${PASSWORD === NEW_PASSWORD ? 'new' : 'old'} password`);
  const expectedHash =
    stored.clientSecret === undefined ? undefined : computeSecretHash(USERNAME, clientId, stored.clientSecret);
  if (PASSWORD !== stored.password || SECRET_HASH !== expectedHash) return Promise.reject(notAuthorized());
  const result = cognitoTokens({ username: USERNAME, nowSeconds: nowSeconds(), serial: events.length });
  issued.push(result.IdToken, result.AccessToken, result.RefreshToken);
  return Promise.resolve({ AuthenticationResult: result });
}

beforeEach(() => {
  ssm.on(GetParametersCommand).callsFake(answerSsm);
  cognito.on(InitiateAuthCommand).callsFake(answerCognito);
  stored = { password: OLD_PASSWORD };
  events = [];
});

describe('password rotated in SSM', () => {
  it('re-reads SSM once after the rejected sign-in, bypassing the cache, and signs in with the new password', async () => {
    const credentials = fromSsm({ ...NAMES, clientConfig: { region: 'eu-west-1' } });
    const tokens = providerReading(credentials);
    await tokens.getIdToken();
    stored = { password: NEW_PASSWORD };
    tokens.invalidate();

    const idToken = await tokens.getIdToken();

    expect(idToken).toBe(issued.at(-3));
    expect(events).toEqual([
      'ssm GetParameters',
      'InitiateAuth with old password',
      // The second sign-in used the cached read, well inside maxAgeSeconds...
      'InitiateAuth with old password',
      // ...so only the rejection's forced reload can have asked SSM again.
      'ssm GetParameters',
      'InitiateAuth with new password',
    ]);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('picks up a rotated password and client secret from the JSON layout, recomputing SECRET_HASH', async () => {
    stored = { password: OLD_PASSWORD, clientSecret: OLD_SECRET };
    const credentials = fromSsm({ parameter: JSON_NAME, clientConfig: { region: 'eu-west-1' } });
    await credentials();
    stored = { password: NEW_PASSWORD, clientSecret: NEW_SECRET };
    const tokens = providerReading(credentials);

    await tokens.getIdToken();

    const [rejected, accepted] = cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input);
    expect(rejected?.AuthParameters?.SECRET_HASH).toBe(computeSecretHash(USERNAME, clientId, OLD_SECRET));
    expect(accepted?.AuthParameters?.SECRET_HASH).toBe(computeSecretHash(USERNAME, clientId, NEW_SECRET));
    expect(accepted?.AuthParameters?.PASSWORD).toBe(NEW_PASSWORD);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('keeps the new values: later calls use the cached tokens and the new cached read', async () => {
    const credentials = fromSsm({ ...NAMES, clientConfig: { region: 'eu-west-1' } });
    await credentials();
    stored = { password: NEW_PASSWORD };
    const tokens = providerReading(credentials);
    await tokens.getIdToken();

    await tokens.getIdToken();
    tokens.invalidate();
    await tokens.getIdToken();

    expect(events.slice(-1)).toEqual(['InitiateAuth with new password']);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('gives up with ERR_AUTHENTICATION when the re-read password is rejected too, after one reload only', async () => {
    const tokens = providerReading(fromSsm({ ...NAMES, clientConfig: { region: 'eu-west-1' } }));
    stored = { password: 'not-what-cognito-has' };
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('surfaces a failed re-read as the ERR_CREDENTIALS fromSsm raised, cause included', async () => {
    const denied = new AccessDeniedException({ message: 'denied', Message: 'denied', $metadata: {} });
    ssm.on(GetParametersCommand).callsFakeOnce(answerSsm).rejects(denied);
    const tokens = providerReading(fromSsm({ ...NAMES, clientConfig: { region: 'eu-west-1' } }));
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: denied.name, message: 'denied' });
    expect(error.message).toContain(`"${NAMES.username}", "${NAMES.password}" (AccessDeniedException`);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });
});

describe('what the provider needs', () => {
  it.each([
    ['lacks the password', { username: 'x' }],
    ['holds a password that is not a string', { username: 'x', password: 12345678 }],
  ])('fails with ERR_CREDENTIALS naming the field when the JSON parameter %s', async (_case, value) => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [parameter(JSON_NAME, JSON.stringify(value))] });
    const tokens = providerReading(fromSsm({ parameter: JSON_NAME, clientConfig: { region: 'eu-west-1' } }));

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('"password" must be a non-empty string');
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 0);
  });

  it('fails with ERR_CREDENTIALS when only a client secret is named, which suits M2M but not a sign-in', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [parameter('/svc/secret', OLD_SECRET)] });
    const tokens = providerReading(fromSsm({ clientSecret: '/svc/secret', clientConfig: { region: 'eu-west-1' } }));

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('"username" must be a non-empty string');
    expect(error.message).not.toContain(OLD_SECRET);
  });
});

describe('leak scan', () => {
  it('shows no password, secret or token in log lines, errors, the provider or the source', async () => {
    const logged: string[] = [];
    stored = { password: OLD_PASSWORD, clientSecret: OLD_SECRET };
    const credentials = fromSsm({ parameter: JSON_NAME, clientConfig: { region: 'eu-west-1' } });
    const tokens = providerReading(credentials, logged);
    await tokens.getIdToken();
    stored = { password: NEW_PASSWORD, clientSecret: NEW_SECRET };
    tokens.invalidate();
    await tokens.getIdToken();
    stored = { password: 'Never-Accepted-Pa55-63', clientSecret: NEW_SECRET };
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());
    tokens.invalidate();
    const error = await failureOf(tokens.getIdToken());

    const views = [
      ...logged,
      error.message,
      inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      inspect(tokens, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      inspect(credentials, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      format('%o %j', tokens, tokens),
      String(JSON.stringify(credentials)),
    ];
    const secrets = [OLD_PASSWORD, NEW_PASSWORD, 'Never-Accepted-Pa55-63', OLD_SECRET, NEW_SECRET, ...issued];

    expect(logged.some((line) => line.includes('reloading credentials'))).toBe(true);
    expectNoneShown(views, secrets);
  });
});

// `cognito-token --secret-id`: credentials from one Secrets Manager secret, beside the SSM ways.
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type CliEnv, parseCliArgs } from '../../src/cli/args.js';
import { CliUsageError } from '../../src/cli/usage-error.js';
import {
  CLI_AWS_ENV as awsEnv,
  CLI_BASE_ARGS as BASE,
  cliSecretHash,
  itReadsStoreInPoolRegion,
  mockCliServices,
  regionOfFirstRequest,
  runCliCaptured as run,
} from '../helpers/cli-runner.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const { cognito, ssm, secretsManager, signIns, expectSignedInAs } = mockCliServices();

const SM_PASSWORD = 'Canary-SM-CLI-Pa55word-37';
const SM_SECRET = 'canary-sm-cli-client-secret-83';
const SSM_SECRET = 'canary-ssm-cli-client-secret-19';

function usageErrorOf(argv: readonly string[], env: CliEnv = {}): CliUsageError {
  try {
    parseCliArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return error as CliUsageError;
  }
  throw new Error('expected a usage error');
}

const secretHolding = (value: object) => ({ SecretString: JSON.stringify(value), $metadata: {} });

beforeEach(() => {
  const tokens = cognitoTokens({ username: 'svc', nowSeconds: Math.floor(Date.now() / 1000) });
  cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });
});

describe('parsing', () => {
  it.each([
    ['--secret-id', [...BASE, '--secret-id', 'svc/orders/cognito'], {}],
    ['COGNITO_SECRET_ID', BASE, { COGNITO_SECRET_ID: 'svc/orders/cognito' }],
  ])('takes the secret from %s', (_how, argv, env) => {
    const command = parseCliArgs(argv, env);

    expect(command.kind === 'run' && command.config.credentials).toEqual({
      kind: 'secrets-manager',
      secretId: 'svc/orders/cognito',
    });
  });

  it('refuses --secret-id together with another way of giving credentials', () => {
    const error = usageErrorOf([...BASE, '--secret-id', 'svc/a', '--ssm-parameter', '/svc/b']);

    expect(error.message).toBe('give credentials one way only, but got --ssm-parameter, and --secret-id');
  });

  it('refuses --password-stdin with --secret-id, where the secret holds the password', () => {
    expect(usageErrorOf([...BASE, '--secret-id', 'svc/a', '--password-stdin']).message).toBe(
      '--password-stdin goes with --username; with SSM or Secrets Manager the password comes from there',
    );
  });

  it('names --secret-id among the ways when no credentials are given', () => {
    expect(usageErrorOf(BASE).message).toContain('--ssm-parameter, or --secret-id');
  });
});

describe('running', () => {
  it('signs in with the username, password and client secret of the secret, read in AWS_REGION', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves(secretHolding({ username: 'svc', password: SM_PASSWORD, clientSecret: SM_SECRET }));

    const result = await run([...BASE, '--secret-id', 'svc/orders/cognito'], awsEnv);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'svc/orders/cognito',
      VersionStage: 'AWSCURRENT',
    });
    expect(await regionOfFirstRequest(secretsManager)).toBe('eu-central-1');
    expect(signIns()).toHaveLength(1);
    expectSignedInAs('svc', SM_PASSWORD, SM_SECRET);
  });

  itReadsStoreInPoolRegion(
    'the secret',
    secretsManager,
    () => secretsManager.on(GetSecretValueCommand).resolves(secretHolding({ username: 'svc', password: SM_PASSWORD })),
    ['--secret-id', 'svc/orders/cognito'],
  );

  it('lets --ssm-client-secret win over the JSON client secret, in a second request', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolves(secretHolding({ username: 'svc', password: SM_PASSWORD, clientSecret: SM_SECRET }));
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/svc/secret', Value: SSM_SECRET }] });

    await run([...BASE, '--secret-id', 'svc/orders/cognito', '--ssm-client-secret', '/svc/secret'], awsEnv);

    expect(signIns()[0]?.AuthParameters?.SECRET_HASH).toBe(cliSecretHash('svc', SSM_SECRET));
  });

  it('exits 5 with ERR_CREDENTIALS naming the secret, and no value, when the secret is incomplete', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secretHolding({ username: 'svc', passwd: SM_PASSWORD }));

    const result = await run([...BASE, '--secret-id', 'svc/orders/cognito'], awsEnv);

    expect(result.status).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'cognito-token: ERR_CREDENTIALS: Secrets Manager secret "svc/orders/cognito" lacks "password": a user\'s ' +
        'credentials need both\n',
    );
    expect(signIns()).toEqual([]);
  });
});

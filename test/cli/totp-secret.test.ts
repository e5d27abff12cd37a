// The CLI's TOTP secret (stdin or COGNITO_TOTP_SECRET, never a flag) reaching the SOFTWARE_TOKEN_MFA answer, and
// the Region SSM is read in when only --region names one. The rest of runCli is test/cli/run.test.ts.
import { InitiateAuthCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import {
  CLI_BASE_ARGS,
  CLI_CLIENT_ID as CLIENT_ID,
  CLI_CLIENT_SECRET as CLIENT_SECRET,
  cliSecretHash,
  mockCliServices,
  CLI_PASSWORD as PASSWORD,
  regionReadIn,
  runCliCaptured as run,
} from '../helpers/cli-runner.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const { cognito, ssm, expectSignedInAs } = mockCliServices();

const TOTP_SECRET = 'KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF';
const BASE = [...CLI_BASE_ARGS, '--username', 'svc'];

const mfaAnswers = () => cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input);

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-26T09:00:10Z'), toFake: ['Date'] });
  cognito
    .on(InitiateAuthCommand)
    .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'cli-session', ChallengeParameters: { USERNAME: 'svc' } })
    .on(RespondToAuthChallengeCommand)
    .resolves({ AuthenticationResult: cognitoTokens({ username: 'svc', nowSeconds: Math.floor(Date.now() / 1000) }) });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the TOTP secret', () => {
  it('is the third line of stdin after the password and the client secret, and answers SOFTWARE_TOKEN_MFA', async () => {
    const argv = [...BASE, '--password-stdin', '--client-secret-stdin', '--totp-secret-stdin'];

    const result = await run(argv, {}, `${PASSWORD}\n${CLIENT_SECRET}\n${TOTP_SECRET}\n`);

    expect(result).toMatchObject({ status: 0, stderr: '' });
    expectSignedInAs('svc', PASSWORD, CLIENT_SECRET);
    expect(mfaAnswers()[0]?.ChallengeResponses).toEqual({
      USERNAME: 'svc',
      SOFTWARE_TOKEN_MFA_CODE: totpCode(TOTP_SECRET, timeStepAt(Date.now())),
      SECRET_HASH: cliSecretHash('svc', CLIENT_SECRET),
    });
  });

  it('comes from COGNITO_TOTP_SECRET, with the password from COGNITO_PASSWORD', async () => {
    const result = await run(BASE, { COGNITO_PASSWORD: PASSWORD, COGNITO_TOTP_SECRET: TOTP_SECRET });

    expect(result.status).toBe(0);
    expect(mfaAnswers()[0]?.ChallengeResponses?.SOFTWARE_TOKEN_MFA_CODE).toBe(
      totpCode(TOTP_SECRET, timeStepAt(Date.now())),
    );
  });

  it('is never printed when the sign-in fails', async () => {
    cognito.on(RespondToAuthChallengeCommand).rejects(
      Object.assign(new Error(`Invalid code for secret ${TOTP_SECRET}`), {
        name: 'CodeMismatchException',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const result = await run(BASE, { COGNITO_PASSWORD: PASSWORD, COGNITO_TOTP_SECRET: TOTP_SECRET });

    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^cognito-token: ERR_[A-Z_]+: /);
    expect(result.stderr).not.toContain(TOTP_SECRET);
    expect(result.stdout).toBe('');
  });
});

describe('the Region SSM is read in', () => {
  it('is --region when AWS_REGION is not set', async () => {
    cognito.reset();
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: cognitoTokens({ username: 'svc', nowSeconds: Math.floor(Date.now() / 1000) }),
    });
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/svc/cognito',
          Value: JSON.stringify({ username: 'svc', password: PASSWORD }),
          Type: 'SecureString',
          Version: 1,
        },
      ],
    });
    const argv = ['--client-id', CLIENT_ID, '--region', 'sa-east-1', '--ssm-parameter', '/svc/cognito'];

    const region = await regionReadIn(ssm, argv);

    expect(region).toBe('sa-east-1');
  });
});

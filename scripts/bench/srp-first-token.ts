// First token with flow 'user-srp': `getIdToken()` on a new provider (which creates its own SDK client) against
// the loopback SRP Cognito of harness/cognito-srp-server.ts, against a bare SDK client created for the occasion
// that sends the same two calls, InitiateAuth USER_SRP_AUTH and RespondToAuthChallenge PASSWORD_VERIFIER, with
// the same SRP math (src/user/srp.ts, bundled from source by scripts/run.mjs because no entry point exports it).
// So the ratio is the provider's own overhead around the two requests. Goal: under 1.10.
//
// The server runs in this process and does its side of SRP in BigInt (g^b, then S), tens of milliseconds a
// sign-in: the same on both sides, but it dilutes the ratio, so the difference of medians is reported too.
import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createTokenProvider } from 'cognito-token-provider';
import { startCognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { startSrp } from '../../src/user/srp.js';
import { timeFirstToken } from './first-token.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { interleave } from './statistics.js';

export interface SrpFirstTokenOptions {
  readonly rounds: number;
}

interface SrpTarget {
  readonly clientId: string;
  readonly userPoolId: string;
  /** What the user types: an email alias, so USER_ID_FOR_SRP differs from it, as with real pools. */
  readonly username: string;
  readonly password: string;
  readonly clientConfig: CognitoIdentityProviderClientConfig;
}

const USER_POOL_ID = 'eu-west-1_BenchSrp1';

/** Milliseconds for a new bare client to sign in with SRP (two sends) and get its ID token. */
async function timeBareSrpSignIn(target: SrpTarget): Promise<number> {
  const start = performance.now();
  // maxAttempts 1, like the client the provider creates: neither side retries a healthy server.
  const client = new CognitoIdentityProviderClient({ maxAttempts: 1, ...target.clientConfig });
  const srp = startSrp();
  const challenge = await client.send(
    new InitiateAuthCommand({
      ClientId: target.clientId,
      AuthFlow: 'USER_SRP_AUTH',
      AuthParameters: { USERNAME: target.username, SRP_A: srp.srpA },
    }),
  );
  const parameters = challenge.ChallengeParameters ?? {};
  const userIdForSrp = parameters.USER_ID_FOR_SRP ?? target.username;
  const { signature, timestamp } = srp.passwordVerifier({
    poolName: target.userPoolId.split('_')[1] ?? '',
    userIdForSrp,
    password: target.password,
    saltHex: parameters.SALT ?? '',
    srpBHex: parameters.SRP_B ?? '',
    secretBlock: parameters.SECRET_BLOCK ?? '',
    now: new Date(),
  });
  const response = await client.send(
    new RespondToAuthChallengeCommand({
      ClientId: target.clientId,
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: challenge.Session,
      ChallengeResponses: {
        USERNAME: userIdForSrp,
        PASSWORD_CLAIM_SECRET_BLOCK: parameters.SECRET_BLOCK ?? '',
        PASSWORD_CLAIM_SIGNATURE: signature,
        TIMESTAMP: timestamp,
      },
    }),
  );
  const elapsed = performance.now() - start;
  client.destroy();
  if (response.AuthenticationResult?.IdToken === undefined) throw new Error('bare SRP sign-in returned no ID token');
  return elapsed;
}

export async function measureSrpFirstToken(options: SrpFirstTokenOptions): Promise<BenchResult> {
  const username = 'f0e4b3c1-7d21-4a4e-9c1b-2f6a8d5e0c11';
  const target: SrpTarget = {
    clientId: 'bench-srp',
    userPoolId: USER_POOL_ID,
    username: 'robot@example.com',
    password: 'correct-Horse-battery-5taple',
    clientConfig: { region: 'eu-west-1' },
  };
  const server = await startCognitoSrpServer({
    userPoolId: USER_POOL_ID,
    clients: [{ clientId: target.clientId, explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
    users: [{ username, aliases: [target.username], password: target.password }],
  });
  try {
    const endpointTarget: SrpTarget = {
      ...target,
      // Static keys on both sides, so neither looks for credentials (InitiateAuth is unsigned anyway).
      clientConfig: {
        ...target.clientConfig,
        endpoint: server.endpoint,
        credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
      },
    };
    const timed = await interleave(
      options.rounds,
      () =>
        timeFirstToken(() =>
          createTokenProvider({
            clientId: endpointTarget.clientId,
            userPoolId: endpointTarget.userPoolId,
            flow: 'user-srp',
            credentials: { username: endpointTarget.username, password: endpointTarget.password },
            clientConfig: endpointTarget.clientConfig,
          }),
        ),
      () => timeBareSrpSignIn(endpointTarget),
      3,
    );
    return judged({
      id: 'srp-first-token',
      title: "First token with flow 'user-srp': `getIdToken()` on a new provider (loopback SRP server)",
      unit: 'ms',
      ...figuresOf(timed),
      baselineLabel: 'new SDK client + InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge, same SRP math',
      goal: { on: 'ratio', under: 1.1 },
      notes:
        `difference of medians ${formatNumber(timed.ours - timed.baseline, 2)} ms; both sides create their client ` +
        "and connection; the in-process server's BigInt SRP is in both",
    });
  } finally {
    await server.close();
  }
}

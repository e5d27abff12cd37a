// Measurement 4, against the classic snippet: 1,000 sequential token requests from a service, ours (one
// provider at module scope, `await getIdToken()` per request) against the amazon-cognito-identity-js code of
// the well-known tutorial, which signs in afresh on every request. Both go through the counting proxy, which
// tells how many Cognito requests each made. USER_PASSWORD_AUTH on both sides: the emulator has no SRP.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { createTokenProvider } from 'cognito-token-provider';
import type { SignInTarget } from './bare-sign-in.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { alternate, summarise } from './statistics.js';

export interface ClassicSnippetOptions {
  readonly rounds: number;
  readonly requests: number;
}

export interface ClassicTarget extends SignInTarget {
  readonly userPoolId: string;
  /** The endpoint both sides talk to (the counting proxy). */
  readonly endpoint: string;
  /** Cognito requests received so far. */
  readonly requestCount: () => number;
}

/** The tutorial's code, as services paste it: a new pool, user and sign-in for every token. */
function classicGetIdToken(target: ClassicTarget): Promise<string> {
  const pool = new CognitoUserPool({
    UserPoolId: target.userPoolId,
    ClientId: target.clientId,
    endpoint: target.endpoint,
  });
  const user = new CognitoUser({ Username: target.username, Pool: pool });
  user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
  const details = new AuthenticationDetails({ Username: target.username, Password: target.password });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: (session) => resolve(session.getIdToken().getJwtToken()),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
    });
  });
}

interface Run {
  readonly ms: number;
  readonly cognitoRequests: number;
}

async function counted(target: ClassicTarget, work: () => Promise<void>): Promise<Run> {
  const before = target.requestCount();
  const start = performance.now();
  await work();
  return { ms: performance.now() - start, cognitoRequests: target.requestCount() - before };
}

function ours(target: ClassicTarget, requests: number): Promise<Run> {
  return counted(target, async () => {
    // At module scope in a real service; created inside the timing here, so its sign-in is counted.
    const provider = createTokenProvider({
      clientId: target.clientId,
      credentials: { username: target.username, password: target.password },
      clientConfig: target.clientConfig,
    });
    for (let i = 0; i < requests; i++) {
      if ((await provider.getIdToken()) === '') throw new Error('no ID token');
    }
  });
}

function classic(target: ClassicTarget, requests: number): Promise<Run> {
  return counted(target, async () => {
    for (let i = 0; i < requests; i++) {
      if ((await classicGetIdToken(target)) === '') throw new Error('no ID token');
    }
  });
}

export async function measureClassicSnippet(
  target: ClassicTarget,
  options: ClassicSnippetOptions,
): Promise<BenchResult> {
  const { requests } = options;
  // No warm-up round: the earlier measurements warmed the emulator, and a round costs a thousand sign-ins.
  const runs = await alternate(
    options.rounds,
    () => ours(target, requests),
    () => classic(target, requests),
    0,
  );
  const timed = summarise(runs.map((run) => ({ ours: run.ours.ms, baseline: run.baseline.ms })));
  const most = (side: 'ours' | 'baseline') => Math.max(...runs.map((run) => run[side].cognitoRequests));
  const count = requests.toLocaleString('en-US');
  return judged({
    id: 'classic-snippet',
    title: `Against the classic snippet: ${count} sequential token requests (cognito-local)`,
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel: 'amazon-cognito-identity-js `authenticateUser` per request',
    requests: { ours: most('ours'), baseline: most('baseline') },
    notes:
      `classic snippet ${formatNumber(timed.baseline / requests, 2)} ms per token, ours ` +
      `${formatNumber(timed.ours / requests, 3)} ms; Cognito requests counted by the proxy, per round`,
  });
}

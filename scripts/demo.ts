// The package doing its job, on this machine, with nothing to set up: starts the cognito-local emulator
// (behind the test proxy that checks SECRET_HASH like Cognito and counts requests) and the SSM test endpoint,
// seeds both, then gets tokens the way a Lambda function would: credentials from SSM via fromSsm, cached
// calls, a renewal ahead of expiry, and the token's claims. Everything it starts is stopped before it exits,
// also on Ctrl-C.
// Usage: npm run demo   (builds, then: node scripts/run.mjs scripts/demo.ts)
import { createTokenProvider, decodeJwtClaims, type TokenProvider } from 'cognito-token-provider';
import { fromSsm } from 'cognito-token-provider/ssm';
import { type CognitoStack, startCognitoStack } from '../harness/cognito-stack.js';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../harness/ssm-endpoint.js';

const CACHED_CALLS = 10_000;
const started = performance.now();

// The SDK's multi-line notice about Node 22 would split the log; the README states the supported Node range.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let stack: CognitoStack | undefined;
let ssm: SsmEndpoint | undefined;
let interrupted = false;

/** Stops whatever is running; safe to call again once more has started. */
async function stopAll(): Promise<void> {
  await ssm?.stop();
  await stack?.stop();
}

// Ctrl-C: stop what runs now, and make the main flow stop at its next step, so the normal exit path (and
// scripts/run.mjs's clean-up) still runs. A second Ctrl-C exits at once; the emulator dies with the process.
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.exitCode = 130;
  log('interrupted: stopping everything');
  void stopAll();
});

function checkInterrupted(): void {
  if (interrupted) throw new Error('interrupted');
}

try {
  await main();
} catch (error) {
  if (!interrupted) {
    process.exitCode = 1;
    console.error('demo failed:', error instanceof Error ? `${error.name}: ${error.message}` : error);
  }
} finally {
  await stopAll();
  log('stopped the emulator, the proxy and the SSM endpoint');
}

async function main(): Promise<void> {
  console.log('cognito-token-provider demo: a local Cognito emulator and SSM endpoint, no AWS account needed\n');

  stack = await startCognitoStack();
  checkInterrupted();
  const { seed, proxy } = stack;
  log(`cognito-local running at ${stack.emulator.endpoint}, behind a SECRET_HASH-checking proxy`);
  log(
    `seeded user pool ${seed.userPoolId}: app clients with and without a secret, short-lived (${seed.shortLivedSeconds} s) ` +
      `ones, and ${seed.user.email}, who signs in with their email`,
  );

  ssm = await startSsmEndpoint([
    {
      name: '/demo/orders/cognito',
      type: 'SecureString',
      value: JSON.stringify({
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      }),
    },
    {
      name: '/demo/reports/cognito',
      type: 'SecureString',
      value: JSON.stringify({
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.shortLivedWithSecret.clientSecret,
      }),
    },
  ]);
  checkInterrupted();
  log(`SSM endpoint at ${ssm.endpoint} holds SecureStrings /demo/orders/cognito and /demo/reports/cognito`);
  console.log();

  // What a Lambda function keeps at module scope.
  const tokens = createTokenProvider({
    clientId: seed.withSecret.clientId,
    credentials: fromSsm({ parameter: '/demo/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    clientConfig: stack.clientConfig,
  });

  let t = performance.now();
  const idToken = await tokens.getIdToken();
  log(
    `first ID token ${truncate(idToken)} in ${ms(performance.now() - t)}: ` +
      `${ssm.count('GetParameters')} SSM GetParameters, ${proxy.count()} Cognito request (InitiateAuth USER_PASSWORD_AUTH)`,
  );

  const before = proxy.count();
  t = performance.now();
  for (let i = 0; i < CACHED_CALLS; i++) await tokens.getIdToken();
  const elapsed = performance.now() - t;
  log(
    `${CACHED_CALLS.toLocaleString('en-US')} more getIdToken() calls in ${ms(elapsed)} ` +
      `(${((elapsed * 1000) / CACHED_CALLS).toFixed(2)} µs each): ${proxy.count() - before} Cognito requests`,
  );

  await showRenewal(stack, ssm);
  console.log();
  showClaims(idToken);
  console.log();
}

/** A client whose tokens live a few seconds: the provider renews them ahead of expiry with the refresh token. */
async function showRenewal(running: CognitoStack, endpoint: SsmEndpoint): Promise<void> {
  const { seed, proxy } = running;
  proxy.resetCounts();
  const shortLived = createTokenProvider({
    clientId: seed.shortLivedWithSecret.clientId,
    credentials: fromSsm({ parameter: '/demo/reports/cognito', clientConfig: ssmClientConfigFor(endpoint.endpoint) }),
    clientConfig: running.clientConfig,
  });
  const first = await shortLived.getTokens();
  const signedInAt = performance.now();
  log(
    `short-lived client: signed in, tokens expire at ${first.expiresAt.toISOString()} ` +
      `(in ${ms(first.expiresAt.getTime() - Date.now())}); calling getIdToken() every 50 ms…`,
  );
  const renewed = await untilChanged(shortLived, first.idToken, first.expiresAt.getTime() + 2_000);
  const renewedAt = performance.now();
  const flows = proxy.calls.map((call) => `${call.authFlow ?? call.operation} (${call.status})`).join(', then ');
  const newExpiry = new Date((decodeJwtClaims(renewed).exp ?? 0) * 1000);
  log(
    `renewed after ${ms(renewedAt - signedInAt)}, ${ms(first.expiresAt.getTime() - Date.now())} before the old ` +
      `tokens expired; the new ones expire at ${newExpiry.toISOString()}. Cognito saw ${flows}`,
  );
  log(
    '(the renewal SECRET_HASH is computed over cognito:username, not the email signed in with: the proxy checks ' +
      'it as Cognito does and would have refused the email)',
  );
}

async function untilChanged(tokens: TokenProvider, previous: string, giveUpAt: number): Promise<string> {
  while (Date.now() < giveUpAt) {
    checkInterrupted();
    const current = await tokens.getIdToken();
    if (current !== previous) return current;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the short-lived tokens were not renewed before they expired');
}

function showClaims(idToken: string): void {
  const claims = decodeJwtClaims(idToken);
  log('claims of the ID token (decodeJwtClaims):');
  const shown = ['cognito:username', 'email', 'email_verified', 'sub', 'aud', 'iss', 'token_use', 'iat', 'exp'];
  for (const name of shown) {
    const value = claims[name];
    const readable =
      (name === 'iat' || name === 'exp') && typeof value === 'number'
        ? `${value} (${new Date(value * 1000).toISOString()})`
        : String(value);
    console.log(`    ${name.padEnd(17)} ${readable}`);
  }
  console.log(
    '    (cognito:username is the real username, a UUID in a pool where users sign in with their email; ' +
      "iss shows the emulator's port as 0 because it was asked for any free port)",
  );
}

function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(2).padStart(6);
  console.log(`[${seconds} s] ${message}`);
}

function ms(milliseconds: number): string {
  return milliseconds < 10 ? `${milliseconds.toFixed(2)} ms` : `${Math.round(milliseconds)} ms`;
}

/** Enough of a token to recognise it, never enough to use it: its first 12 characters are the JWT header. */
function truncate(token: string): string {
  return `${token.slice(0, 12)}…`;
}

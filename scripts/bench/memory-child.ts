// The child process of measurement 6 (memory), run by memory.ts with --expose-gc so heap figures are taken
// after full collections. Prints one JSON object (MemoryChildOutput) on stdout.
// Usage: node --expose-gc scripts/run.mjs scripts/bench/memory-child.ts '{"rounds":3,"cachedCalls":1000000,...}'
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createTokenProvider, type TokenProvider } from 'cognito-token-provider';
import { warmProvider } from './cached-path.js';
import { cannedRequestHandler } from './canned-cognito.js';
import { alternate } from './statistics.js';

export interface MemoryChildOptions {
  readonly rounds: number;
  readonly cachedCalls: number;
  readonly renewals: number;
  /** Renewals (and bare sends) before the first measured round. */
  readonly renewalWarmup: number;
}

/** Heap used before and after one round, in bytes, for our side and for the same-process baseline. */
export interface HeapRound {
  readonly before: number;
  readonly after: number;
}

export interface MemoryChildOutput {
  /** Per round: `ours` after cached calls, `baseline` after as many `await f()` (the noise floor). */
  readonly cached: { readonly ours: HeapRound; readonly baseline: HeapRound }[];
  /** Per round: `ours` after renewals, `baseline` after as many bare SDK sends (the SDK's own noise). */
  readonly renewals: { readonly ours: HeapRound; readonly baseline: HeapRound }[];
  /** Renewals the canned Cognito saw from the provider, and password sign-ins: proof the path was taken. */
  readonly renewalCount: number;
  readonly signInCount: number;
}

// Tokens live an hour, as by default in Cognito, and the child's clock jumps an hour before each renewal: a
// real renewal on every such call (expiry check, REFRESH_TOKEN_AUTH through the SDK, new session), with no
// waiting. Only Date.now() is moved; timers (the provider's timeout) run in real time.
const LIFETIME_SECONDS = 3600;
const realNow = Date.now;
let skewMs = 0;
Date.now = () => realNow() + skewMs;
const anHourLater = () => {
  skewMs += LIFETIME_SECONDS * 1000;
};

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const collect = gc;

function heapUsed(): number {
  // Twice: the first collection can leave garbage that only becomes unreachable after finalisers ran.
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

async function measured(work: () => Promise<void>): Promise<HeapRound> {
  const before = heapUsed();
  await work();
  return { before, after: heapUsed() };
}

async function cachedCalls(provider: TokenProvider, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await provider.getIdToken();
}

async function floorCalls(f: () => Promise<string>, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await f();
}

async function renewals(provider: TokenProvider, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    anHourLater();
    await provider.getIdToken();
  }
}

// The same SDK work without the provider: the SDK's own allocations are the noise our figure sits on.
async function bareSends(client: CognitoIdentityProviderClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    anHourLater();
    await client.send(
      new InitiateAuthCommand({
        ClientId: 'bench-client',
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: 'opaque-refresh' },
      }),
    );
  }
}

async function main(options: MemoryChildOptions): Promise<MemoryChildOutput> {
  const { provider } = await warmProvider();
  const constant = 'eyJraWQiOiJiZW5jaCJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl';
  const f = async () => constant;

  const handler = cannedRequestHandler(LIFETIME_SECONDS);
  const sdkClient = (handler: ReturnType<typeof cannedRequestHandler>) =>
    new CognitoIdentityProviderClient({ region: 'eu-west-1', requestHandler: handler, maxAttempts: 1 });
  const renewing = createTokenProvider({
    clientId: 'bench-client',
    client: sdkClient(handler),
    credentials: { username: 'svc-bench@example.com', password: 'not-a-real-password' },
  });
  const bareHandler = cannedRequestHandler(LIFETIME_SECONDS);
  const bare = sdkClient(bareHandler);

  // Unmeasured warm-up: compiles every path (optimised code and feedback vectors live on the heap too) and
  // fills the SDK's and V8's one-time caches. The SDK path takes a few thousand sends to settle (the first
  // 5,000 grow the heap by over 1 MiB, with or without the provider), hence the larger renewal warm-up.
  await cachedCalls(provider, options.cachedCalls);
  await floorCalls(f, options.cachedCalls);
  await renewing.getIdToken(); // the one password sign-in; every later call in renewals() is a renewal
  await renewals(renewing, options.renewalWarmup);
  await bareSends(bare, options.renewalWarmup);
  const renewalsBefore = handler.counts.renewals;

  const cached = await alternate(
    options.rounds,
    () => measured(() => cachedCalls(provider, options.cachedCalls)),
    () => measured(() => floorCalls(f, options.cachedCalls)),
    0,
  );
  const renewed = await alternate(
    options.rounds,
    () => measured(() => renewals(renewing, options.renewals)),
    () => measured(() => bareSends(bare, options.renewals)),
    0,
  );
  return {
    cached,
    renewals: renewed,
    renewalCount: handler.counts.renewals - renewalsBefore,
    signInCount: handler.counts.signIns,
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as MemoryChildOptions;
process.stdout.write(JSON.stringify(await main(options)));

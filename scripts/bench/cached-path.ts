// Measurement 1, the cached path: throughput of `await provider.getIdToken()` on a warm provider against the
// floor, `await f()` where f is an async function returning a constant string. Goal: ratio at least 0.8.
import { createTokenProvider, type TokenProvider } from 'cognito-token-provider';
import { cannedClient } from './canned-cognito.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { rotate, summarise } from './statistics.js';

export interface CachedPathOptions {
  readonly rounds: number;
  readonly callsPerRound: number;
}

// Each side has its own loop, so each `await` call site sees one function only and V8 optimises both alike.
async function timeProvider(provider: TokenProvider, calls: number): Promise<number> {
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sink += (await provider.getIdToken()).length;
  const elapsed = performance.now() - start;
  if (sink === 0) throw new Error('no tokens');
  return elapsed;
}

async function timeClockFloor(f: () => Promise<string>, calls: number): Promise<number> {
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sink += (await f()).length;
  const elapsed = performance.now() - start;
  if (sink === 0) throw new Error('no strings');
  return elapsed;
}

async function timeTwoClockFloor(f: () => Promise<string>, calls: number): Promise<number> {
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sink += (await f()).length;
  const elapsed = performance.now() - start;
  if (sink === 0) throw new Error('no strings');
  return elapsed;
}

async function timeFloor(f: () => Promise<string>, calls: number): Promise<number> {
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < calls; i++) sink += (await f()).length;
  const elapsed = performance.now() - start;
  if (sink === 0) throw new Error('no strings');
  return elapsed;
}

/** A provider signed in once through a canned client, so every later call is a cache hit. */
export async function warmProvider(): Promise<{ provider: TokenProvider; signIns: () => number }> {
  const { client, counts } = cannedClient(3600);
  const provider = createTokenProvider({
    clientId: 'bench-client',
    client,
    credentials: { username: 'svc-bench@example.com', password: 'not-a-real-password' },
  });
  await provider.getIdToken();
  return { provider, signIns: () => counts.signIns + counts.renewals };
}

export async function measureCachedPath(options: CachedPathOptions): Promise<BenchResult> {
  const { provider, signIns } = await warmProvider();
  const constant = 'eyJraWQiOiJiZW5jaCJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl';
  const f = async () => constant;
  // Not a goal, an explanation: the least any cache with an expiry can do is read the clock once per call.
  const renewAt = Date.now() + 3_600_000;
  const clockFloor = async () => (Date.now() < renewAt ? constant : '');
  // What the cache must do since it also checks ages on the monotonic clock: two clock reads per call.
  const renewAtMono = performance.now() + 3_600_000;
  const twoClockFloor = async () => (Date.now() < renewAt && performance.now() < renewAtMono ? constant : '');
  const { callsPerRound: calls } = options;
  const opsPerSecond = (elapsedMs: number) => calls / (elapsedMs / 1000);
  const sides = [
    () => timeProvider(provider, calls),
    () => timeFloor(f, calls),
    () => timeClockFloor(clockFloor, calls),
    () => timeTwoClockFloor(twoClockFloor, calls),
  ];
  const rounds = (await rotate(options.rounds, sides, 2)).map((times) => {
    const [ours, floor, clock, twoClocks] = times.map(opsPerSecond) as [number, number, number, number];
    return { ours, floor, clock, twoClocks };
  });
  // Throughput ratio: ours / floor calls per second.
  const timed = summarise(rounds.map((r) => ({ ours: r.ours, baseline: r.floor })));
  const clock = summarise(rounds.map((r) => ({ ours: r.ours, baseline: r.clock })));
  const twoClocks = summarise(rounds.map((r) => ({ ours: r.ours, baseline: r.twoClocks })));
  const perCall = (ops: number) => `${formatNumber(1e9 / ops, 0)} ns`;
  return judged({
    id: 'cached-path',
    title: 'Cached path: `await getIdToken()` on a warm provider',
    unit: 'ops/s',
    ...figuresOf(timed),
    baselineLabel: '`await f()`, f an async function returning a constant',
    goal: { on: 'ratio', atLeast: 0.8 },
    notes:
      `${perCall(timed.ours)} vs ${perCall(timed.baseline)} per call; a floor that also reads Date.now() once ` +
      `does ${formatNumber(clock.baseline / 1e6, 2)} M ops/s (ours / that = ${formatNumber(clock.ratio, 3)}), one ` +
      `that reads Date.now() and performance.now() ${formatNumber(twoClocks.baseline / 1e6, 2)} M ops/s (ours / ` +
      `that = ${formatNumber(twoClocks.ratio, 3)}); ` +
      `${calls.toLocaleString('en-US')} calls per side per round; the canned Cognito was asked ${signIns()} time(s)`,
  });
}

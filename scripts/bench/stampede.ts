// Measurement 5, stampede: 10,000 concurrent first calls on a new provider. The goal is a count: exactly one
// Cognito request (single flight). The time until every call has resolved is set against one bare InitiateAuth
// send through the same proxy, measured in alternating rounds.
import { createTokenProvider } from 'cognito-token-provider';
import { type SignInTarget, timeBareSignIn } from './bare-sign-in.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { alternate, summarise } from './statistics.js';

export interface StampedeOptions {
  readonly rounds: number;
  readonly callers: number;
}

export interface StampedeTarget extends SignInTarget {
  /** Cognito requests received so far (the counting proxy's count). */
  readonly requestCount: () => number;
}

async function stampede(target: StampedeTarget, callers: number): Promise<{ ms: number; requests: number }> {
  const before = target.requestCount();
  const start = performance.now();
  const provider = createTokenProvider({
    clientId: target.clientId,
    credentials: { username: target.username, password: target.password },
    clientConfig: target.clientConfig,
  });
  const tokens = await Promise.all(Array.from({ length: callers }, () => provider.getIdToken()));
  const ms = performance.now() - start;
  if (new Set(tokens).size !== 1) throw new Error('concurrent callers got different tokens');
  return { ms, requests: target.requestCount() - before };
}

export async function measureStampede(target: StampedeTarget, options: StampedeOptions): Promise<BenchResult> {
  const runs = await alternate(
    options.rounds,
    () => stampede(target, options.callers),
    async () => ({ ms: await timeBareSignIn(target), requests: 1 }),
    1,
  );
  const timed = summarise(runs.map((run) => ({ ours: run.ours.ms, baseline: run.baseline.ms })));
  // The worst round, not the median: one extra request in any round is a failure of single flight.
  const requests = Math.max(...runs.map((run) => run.ours.requests));
  const callers = options.callers.toLocaleString('en-US');
  return judged({
    id: 'stampede',
    title: `Stampede: ${callers} concurrent first calls, time until all resolved (cognito-local)`,
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel: 'one bare InitiateAuth send',
    requests: { ours: requests, baseline: 1 },
    goal: { on: 'requests', exactly: 1 },
    notes: `Cognito requests: the most in any round (proxy count); difference of medians ${formatNumber(timed.ours - timed.baseline, 1)} ms for ${callers} callers`,
  });
}

// Measurement 3, first token: `getIdToken()` on a new provider against the emulator, against one bare
// InitiateAuth send with the same parameters. Goal: ratio under 1.10. Both sides talk to the emulator
// directly, not through the counting proxy, so no extra hop dilutes the ratio.
import { createTokenProvider } from 'cognito-token-provider';
import { type SignInTarget, timeBareSignIn } from './bare-sign-in.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { interleave } from './statistics.js';

export interface FirstTokenOptions {
  readonly rounds: number;
}

/**
 * Milliseconds from constructing a provider (`create` runs inside the timed region) to holding its first ID
 * token. Shared with srp-first-token.ts, so both first-token rows time the provider the same way.
 */
export async function timeFirstToken(create: () => { getIdToken(): Promise<string> }): Promise<number> {
  const start = performance.now();
  const provider = create();
  const idToken = await provider.getIdToken();
  const elapsed = performance.now() - start;
  if (idToken === '') throw new Error('no ID token');
  return elapsed;
}

export async function measureFirstToken(target: SignInTarget, options: FirstTokenOptions): Promise<BenchResult> {
  const timed = await interleave(
    options.rounds,
    () =>
      timeFirstToken(() =>
        createTokenProvider({
          clientId: target.clientId,
          credentials: { username: target.username, password: target.password },
          clientConfig: target.clientConfig,
        }),
      ),
    () => timeBareSignIn(target),
    3,
  );
  return judged({
    id: 'first-token',
    title: 'First token: `getIdToken()` on a new provider (cognito-local)',
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel: 'new SDK client + one InitiateAuth send',
    goal: { on: 'ratio', under: 1.1 },
    notes: `difference of medians ${formatNumber(timed.ours - timed.baseline, 2)} ms; both sides create their client and connection`,
  });
}

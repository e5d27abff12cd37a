/**
 * The whole local Cognito in one call: the emulator, its seed data, and the verifying counting proxy in front
 * of it that knows the seeded clients' secrets. What integration tests, the demo, the benchmarks and the CLI
 * tests usually want.
 *
 * API (stable): `startCognitoStack(options?)` → {@link CognitoStack}
 * `{ emulator, seed, proxy, clientConfig, stop() }`. Seeding goes straight to the emulator, so
 * `proxy.count()` starts at 0 and counts only what the code under test sends. `stop()` stops the proxy, then
 * the emulator; it is safe to call twice and after a failed start nothing is left running.
 *
 * @example
 * ```ts
 * const stack = await startCognitoStack();
 * try {
 *   const tokens = createTokenProvider({
 *     clientId: stack.seed.withSecret.clientId,
 *     credentials: { username: stack.seed.user.email, password: stack.seed.user.password,
 *                    clientSecret: stack.seed.withSecret.clientSecret },
 *     clientConfig: stack.clientConfig,
 *   });
 *   await tokens.getIdToken();
 *   console.log(stack.proxy.count('InitiateAuth'));
 * } finally {
 *   await stack.stop();
 * }
 * ```
 */
import {
  type CognitoLocal,
  type CognitoSeed,
  clientConfigFor,
  type SeedCognitoOptions,
  seedCognito,
  startCognitoLocal,
} from './cognito-local.js';
import { type CognitoProxy, type FaultPlan, startCognitoProxy } from './counting-proxy.js';

/** A running emulator, seeded, behind a proxy. */
export interface CognitoStack {
  readonly emulator: CognitoLocal;
  readonly seed: CognitoSeed;
  readonly proxy: CognitoProxy;
  /** `clientConfig` for providers and SDK clients: the proxy's endpoint, a Region, dummy credentials. */
  readonly clientConfig: ReturnType<typeof clientConfigFor>;
  /** Stops the proxy and the emulator. */
  stop(): Promise<void>;
}

/** Options of {@link startCognitoStack}. */
export interface CognitoStackOptions {
  readonly seed?: SeedCognitoOptions;
  /** The proxy's initial fault plan. */
  readonly faults?: readonly FaultPlan[];
}

/**
 * Starts and seeds the emulator, then the proxy in front of it.
 *
 * @example
 * ```ts
 * const stack = await startCognitoStack({ seed: { shortLivedSeconds: 6 } });
 * afterAll(() => stack.stop());
 * ```
 */
export async function startCognitoStack(options: CognitoStackOptions = {}): Promise<CognitoStack> {
  const emulator = await startCognitoLocal();
  let proxy: CognitoProxy | undefined;
  try {
    const seed = await seedCognito(emulator.endpoint, options.seed);
    proxy = await startCognitoProxy({
      target: emulator.endpoint,
      clientSecrets: {
        [seed.withSecret.clientId]: seed.withSecret.clientSecret,
        [seed.shortLivedWithSecret.clientId]: seed.shortLivedWithSecret.clientSecret,
      },
      ...(options.faults === undefined ? {} : { faults: options.faults }),
    });
    const started = proxy;
    let stopping: Promise<void> | undefined;
    return {
      emulator,
      seed,
      proxy: started,
      clientConfig: clientConfigFor(started.endpoint, seed.region),
      stop: () => {
        stopping ??= started.stop().finally(() => emulator.stop());
        return stopping;
      },
    };
  } catch (error) {
    await proxy?.stop();
    await emulator.stop();
    throw error;
  }
}

/**
 * What the tests of the credential sources (`fromSsm`, `fromSecretsManager`) share: running fake time until a
 * read settles, the abort signal a read handed to the SDK, and the checks that no value read shows through an
 * error or the source itself; the caching and the construction checks every source shares
 * (`describeSourceCaching`, `describeRefusedOptions`); and the user provider that the rotation tests read them
 * through.
 */
import { format, inspect } from 'node:util';
import { expect, it, vi } from 'vitest';
import type { CredentialsSource, TokenProvider } from '../../src/index.js';
import { failureOfCall } from './failure-of.js';
import { userProvider } from './providers.js';

/** Runs fake time forward until `promise` settles (back-off and deadlines included), then returns it. */
export async function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  await vi.runAllTimersAsync();
  return promise;
}

/** The abort signal the source passed with the `callIndex`-th command to a mocked client's `send`. */
export function sentAbortSignal(client: { send: { getCall(index: number): { args: unknown } } }, callIndex: number) {
  // send(command, options): the stub's type declares the command only.
  const [, options] = client.send.getCall(callIndex).args as [unknown, { abortSignal: AbortSignal }];
  return options.abortSignal;
}

/** Every failure is checked where it happens: message, stack, cause chain and every way to print it. */
export function expectNoSecretIn(error: unknown, secrets: readonly string[]): void {
  const views = [
    (error as Error).message,
    (error as Error).stack ?? '',
    inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
    format('%o', error),
    JSON.stringify(error),
  ];
  expectNoneShown(views, secrets);
}

/** Checks that no view (a log line, a printed object) contains any of `secrets`. */
export function expectNoneShown(views: readonly string[], secrets: readonly string[]): void {
  for (const view of views) {
    for (const secret of secrets) expect(view).not.toContain(secret);
  }
}

/**
 * The passwords and client secrets before and after a rotation (these four constants), for the rotation tests of
 * every source: canaries that no error, log line or printed object may show.
 */
export const OLD_PASSWORD = 'Old-Canary-Pa55word-17';
export const NEW_PASSWORD = 'New-Canary-Pa55word-29';
export const OLD_SECRET = 'old-canary-client-secret-31';
export const NEW_SECRET = 'new-canary-client-secret-47';

/**
 * A user provider reading `credentials`, with its Cognito client in eu-west-1 through `clientConfig` only, and its
 * debug log lines printed into `logged` as a console would print them.
 */
export function providerReading(credentials: CredentialsSource, logged: string[] = []): TokenProvider {
  return userProvider({
    region: undefined,
    credentials,
    clientConfig: { region: 'eu-west-1' },
    logger: { debug: (message, details) => logged.push(format('%s %o', message, details)) },
  });
}

/**
 * Reads through `source` (once, then forced), and checks that every way to print the source looks the same
 * before and after, and shows none of `secrets`: what it read must live where printing cannot reach it.
 */
export async function expectSourceShowsNoValue(
  source: (options?: { forceRefresh?: boolean }) => Promise<unknown>,
  secrets: readonly string[],
): Promise<void> {
  const views = () => [
    inspect(source, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
    format('%o %O %s %j', source, source, source, source),
    String(JSON.stringify(source)),
    JSON.stringify(Object.getOwnPropertyNames(source)),
    String(Object.getOwnPropertySymbols(source).length),
  ];
  const before = views();

  await source();
  await source({ forceRefresh: true });
  const after = views();

  expect(after).toEqual(before);
  expectNoneShown(after, secrets);
}

/** One credential source against its mocked service, for {@link describeSourceCaching}. */
export interface SourceUnderTest {
  /** A source configured as the test file configures it, plus `options`. */
  create(options?: { maxAgeSeconds?: number }): () => Promise<{ password?: string }>;
  /** Makes the mocked service answer every read with credentials holding `password`. */
  answer(): void;
  /** Makes the mocked service refuse the first read, then answer as {@link answer} does. */
  refuseOnce(): void;
  /** How many read requests the mocked service has received. */
  requests(): number;
  readonly password: string;
}

/** The cache every credential source keeps: for maxAgeSeconds, never with 0, never a failure. */
export function describeSourceCaching(source: SourceUnderTest): void {
  it.each([
    ['the default 300 seconds', {}, 300_000],
    ['maxAgeSeconds, counted from the end of the read', { maxAgeSeconds: 60 }, 60_000],
  ])('reuses a read for %s, then reads again', async (_label, maxAge, maxAgeMs) => {
    source.answer();
    const read = source.create(maxAge);
    const first = await read();

    vi.advanceTimersByTime(maxAgeMs - 1);
    const cached = await read();
    const readsWhileCached = source.requests();
    vi.advanceTimersByTime(1);
    await read();

    expect(cached).toBe(first);
    expect(readsWhileCached).toBe(1);
    expect(source.requests()).toBe(2);
  });

  it('reads on every call with maxAgeSeconds 0', async () => {
    source.answer();
    const read = source.create({ maxAgeSeconds: 0 });

    await read();
    await read();
    await read();

    expect(source.requests()).toBe(3);
  });

  it('never caches a failure: the next call asks again', async () => {
    source.refuseOnce();
    const read = source.create();

    await read().catch(() => undefined);
    const credentials = await read();

    expect(credentials.password).toBe(source.password);
    expect(source.requests()).toBe(2);
  });
}

/** An option that a factory must refuse: its name, what the message says of it, and the options given. */
export type RefusedOption = [option: string, problem: string, options: unknown];

/** One credential source's factory, for {@link describeRefusedOptions}. */
export interface FactoryUnderTest {
  /** The factory, given options as a caller might (wrongly) give them. */
  create(options: unknown): unknown;
  /** Options holding the source's one required option, and nothing else. */
  readonly required: object;
  /** How the messages name the client class (`a SecretsManagerClient`), and a real client of that class. */
  readonly clientType: string;
  readonly client: object;
  /** The refusals of this source alone. */
  readonly ownRefusals: readonly RefusedOption[];
  /** How many requests the mocked service has received. */
  requests(): number;
}

/**
 * Construction checks of a credential source: each of its own refusals and of those every source makes alike (a
 * `maxAgeSeconds` that is not a non-negative number; a `client` that is not of the class, or comes with
 * `clientConfig`) throws ERR_CONFIGURATION at once, naming the option and saying what is wrong, and sends nothing.
 */
export function describeRefusedOptions(factory: FactoryUnderTest): void {
  const { required, client, clientType } = factory;
  it.each<RefusedOption>([
    ...factory.ownRefusals,
    ['maxAgeSeconds', 'must be a non-negative number', { ...required, maxAgeSeconds: -1 }],
    ['maxAgeSeconds', 'must be a non-negative number', { ...required, maxAgeSeconds: Number.NaN }],
    ['maxAgeSeconds', 'must be a non-negative number', { ...required, maxAgeSeconds: '300' }],
    ['client', 'without "clientConfig"', { ...required, client, clientConfig: {} }],
    ['client', `must be ${clientType}`, { ...required, client: {} }],
    ['client', `must be ${clientType}`, { ...required, client: null }],
  ])('rejects a bad "%s" at construction: %s', (option, problem, options) => {
    const thrown = failureOfCall(() => factory.create(options), 'ERR_CONFIGURATION');

    expect(thrown.message).toContain(`"${option}"`);
    expect(thrown.message).toContain(problem);
    expect(factory.requests()).toBe(0);
  });
}

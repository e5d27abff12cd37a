/**
 * The local Cognito emulator (the `cognito-local` devDependency) as a child process, and the seed data every
 * integration test, benchmark, CLI test and the demo share.
 *
 * API (stable; other helpers code against it):
 * - `startCognitoLocal(options?)` → `{ endpoint, stop() }`: a fresh emulator on a free loopback port, with its
 *   data in a new temp folder that `stop()` deletes. `stop()` sends SIGTERM and waits for the exit; it is
 *   idempotent. A process-exit hook kills a forgotten emulator, so a crashed test run leaves nothing behind.
 * - `seedCognito(endpoint)` → {@link CognitoSeed}: one user pool (users sign in with their email), four app
 *   clients (with a secret, without, and two short-lived ones, with and without a secret), a confirmed user
 *   and a user in FORCE_CHANGE_PASSWORD. Seeding goes straight to the endpoint you give: pass the emulator's
 *   endpoint, not a counting proxy's, so the seeding calls are not counted.
 * - `clientConfigFor(endpoint, region?)`: the `clientConfig` to hand `createTokenProvider` for a local endpoint.
 *
 * What the emulator does differently from Cognito (see /work/shared/COGNITO.md): it does not check
 * SECRET_HASH, omits ExpiresIn, answers a wrong password with InvalidPasswordException, has no
 * GetTokensFromRefreshToken or GetClientToken, and issues refresh tokens that are JWTs. `counting-proxy.ts`
 * covers the first and the GetTokensFromRefreshToken gap.
 *
 * @example
 * ```ts
 * const cognito = await startCognitoLocal();
 * try {
 *   const seed = await seedCognito(cognito.endpoint);
 *   const tokens = createTokenProvider({
 *     clientId: seed.withoutSecret.clientId,
 *     credentials: { username: seed.user.email, password: seed.user.password },
 *     clientConfig: clientConfigFor(cognito.endpoint, seed.region),
 *   });
 *   console.log(await tokens.getIdToken());
 * } finally {
 *   await cognito.stop();
 * }
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LOCAL_AWS_CREDENTIALS } from './sigv4.js';

/** A running emulator. */
export interface CognitoLocal {
  /** `http://127.0.0.1:<port>`, for `clientConfig.endpoint`. */
  readonly endpoint: string;
  /** SIGTERM, wait for the exit (SIGKILL after 5 s), delete the data folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startCognitoLocal}. */
export interface StartCognitoLocalOptions {
  /** How long to wait for the "running" line. Default 20000 ms. */
  readonly startTimeoutMs?: number;
}

/**
 * Starts `cognito-local` on a free loopback port (PORT=0) in a fresh temp working folder, where it keeps its
 * database (`./.cognito`), and resolves once it logs the port it listens on.
 *
 * @example
 * ```ts
 * const cognito = await startCognitoLocal();
 * afterAll(() => cognito.stop());
 * ```
 */
export async function startCognitoLocal(options: StartCognitoLocalOptions = {}): Promise<CognitoLocal> {
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  // Resolved like a package import, so it works from test/ and from a script bundled into the project root.
  const startScript = createRequire(import.meta.url).resolve('cognito-local/lib/bin/start.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'cognito-local-'));
  const child = spawn(process.execPath, [startScript], {
    cwd: dataDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test run or script that exits before stop() must not leave an emulator listening or its data behind.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await terminate(child, exited);
    process.removeListener('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const endpoint = await waitForEndpoint(child, exited, startTimeoutMs);
    return { endpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// Pino-pretty colours its output even when it is not a terminal; the codes sit inside the URL's line.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const RUNNING = /Cognito Local running on (https?:\/\/[\d.]+:\d+)/;

function waitForEndpoint(child: ChildProcess, exited: Promise<void>, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(`did not report its port within ${timeoutMs} ms`), timeoutMs);
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString('utf8').replace(ANSI, '');
      const match = RUNNING.exec(stdout);
      if (match?.[1] !== undefined) {
        done();
        resolve(match[1]);
      }
    };
    const onStderr = (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    };
    function fail(reason: string) {
      done();
      reject(new Error(`cognito-local ${reason}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }
    function done() {
      clearTimeout(timer);
      child.stdout?.off('data', onStdout);
      child.stderr?.off('data', onStderr);
      // Keep draining both pipes: a full pipe buffer would block the emulator's logging, and with it its replies.
      child.stdout?.resume();
      child.stderr?.resume();
    }
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', onStderr);
    void exited.then(() => fail(`exited with code ${child.exitCode} before it was ready`));
  });
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5_000);
  });
  await Promise.race([exited, forced]);
  clearTimeout(timer);
  await exited;
}

/** An app client created by {@link seedCognito}. */
export interface SeededClient {
  readonly clientId: string;
}

/** An app client with a secret. */
export interface SeededSecretClient extends SeededClient {
  readonly clientSecret: string;
}

/** What {@link seedCognito} created. Every value is random per run. */
export interface CognitoSeed {
  /** The endpoint that was seeded. */
  readonly endpoint: string;
  /** A placeholder Region for SDK clients: the emulator ignores it, but the SDK requires one. */
  readonly region: string;
  /** `local_…`: the emulator's pool IDs do not carry a real Region. */
  readonly userPoolId: string;
  readonly withSecret: SeededSecretClient;
  readonly withoutSecret: SeededClient;
  /** Tokens valid for {@link CognitoSeed.shortLivedSeconds} seconds. */
  readonly shortLived: SeededClient;
  /** Short-lived tokens on a client with a secret: renewal must hash `cognito:username`, not the email. */
  readonly shortLivedWithSecret: SeededSecretClient;
  /** The ID and access token lifetime of the short-lived clients. */
  readonly shortLivedSeconds: number;
  /**
   * A confirmed user. Signs in with `email`; `username` is the real Cognito username (the `cognito:username`
   * claim), a UUID equal to `sub` because the pool uses email as the username attribute.
   */
  readonly user: { readonly email: string; readonly password: string; readonly username: string; readonly sub: string };
  /** A user in FORCE_CHANGE_PASSWORD: signing in gets the NEW_PASSWORD_REQUIRED challenge. */
  readonly newPasswordUser: { readonly username: string; readonly password: string };
}

/** Options of {@link seedCognito}. */
export interface SeedCognitoOptions {
  /** ID and access token lifetime of the short-lived clients, in seconds. Default 4. */
  readonly shortLivedSeconds?: number;
}

const SEED_REGION = 'eu-west-1';

/**
 * The `clientConfig` for a provider or SDK client talking to a local endpoint: the endpoint, a Region (the
 * SDK demands one), and dummy credentials (only signed calls use them; the emulator ignores them).
 *
 * @example
 * ```ts
 * createTokenProvider({ clientId, credentials, clientConfig: clientConfigFor(proxy.endpoint) });
 * ```
 */
export function clientConfigFor(endpoint: string, region = SEED_REGION) {
  return { endpoint, region, credentials: { ...LOCAL_AWS_CREDENTIALS } };
}

/**
 * Creates the shared test data through the SDK (the admin calls are signed with dummy credentials).
 *
 * @example
 * ```ts
 * const seed = await seedCognito(cognito.endpoint);
 * const { clientId, clientSecret } = seed.withSecret;
 * ```
 */
export async function seedCognito(endpoint: string, options: SeedCognitoOptions = {}): Promise<CognitoSeed> {
  const shortLivedSeconds = options.shortLivedSeconds ?? 4;
  const admin = new CognitoIdentityProviderClient({ ...clientConfigFor(endpoint), maxAttempts: 1 });
  try {
    const pool = await admin.send(
      new CreateUserPoolCommand({ PoolName: `pool-${randomWord()}`, UsernameAttributes: ['email'] }),
    );
    const userPoolId = pool.UserPool?.Id;
    if (userPoolId === undefined) throw new Error('CreateUserPool returned no pool ID');

    const createClient = async (name: string, input: Partial<CreateUserPoolClientCommandInput>) => {
      const created = await admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: name,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          ...input,
        }),
      );
      const clientId = created.UserPoolClient?.ClientId;
      if (clientId === undefined) throw new Error(`CreateUserPoolClient returned no client ID for ${name}`);
      return { clientId, clientSecret: created.UserPoolClient?.ClientSecret };
    };
    const withSecret = await createClient('with-secret', { GenerateSecret: true });
    const withoutSecret = await createClient('without-secret', {});
    const shortValidity: Partial<CreateUserPoolClientCommandInput> = {
      IdTokenValidity: shortLivedSeconds,
      AccessTokenValidity: shortLivedSeconds,
      RefreshTokenValidity: 3_600,
      TokenValidityUnits: { IdToken: 'seconds', AccessToken: 'seconds', RefreshToken: 'seconds' },
    };
    const shortLived = await createClient('short-lived', shortValidity);
    const shortLivedWithSecret = await createClient('short-lived-with-secret', {
      ...shortValidity,
      GenerateSecret: true,
    });

    const user = { email: `alice.${randomWord()}@example.com`, password: `Pw-${randomWord()}-9aA!` };
    const created = await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        UserAttributes: [
          { Name: 'email', Value: user.email },
          { Name: 'email_verified', Value: 'true' },
        ],
        MessageAction: 'SUPPRESS',
      }),
    );
    const username = created.User?.Username;
    const sub = created.User?.Attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
    if (username === undefined || sub === undefined) throw new Error('AdminCreateUser returned no username or sub');
    await admin.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: user.email,
        Password: user.password,
        Permanent: true,
      }),
    );

    const newPasswordUser = { username: `bob.${randomWord()}@example.com`, password: `Tmp-${randomWord()}-1aA!` };
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: newPasswordUser.username,
        TemporaryPassword: newPasswordUser.password,
        UserAttributes: [{ Name: 'email', Value: newPasswordUser.username }],
        MessageAction: 'SUPPRESS',
      }),
    );

    return {
      endpoint,
      region: SEED_REGION,
      userPoolId,
      withSecret: requireSecret('with-secret', withSecret),
      withoutSecret: { clientId: withoutSecret.clientId },
      shortLived: { clientId: shortLived.clientId },
      shortLivedWithSecret: requireSecret('short-lived-with-secret', shortLivedWithSecret),
      shortLivedSeconds,
      user: { ...user, username, sub },
      newPasswordUser,
    };
  } finally {
    admin.destroy();
  }
}

function requireSecret(name: string, client: { clientId: string; clientSecret: string | undefined }) {
  if (client.clientSecret === undefined) throw new Error(`CreateUserPoolClient returned no secret for ${name}`);
  return { clientId: client.clientId, clientSecret: client.clientSecret };
}

function randomWord(): string {
  return Math.random().toString(36).slice(2, 10);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';
import { listenOnLoopback } from './loopback-server.js';
import { type LocalJwks, TokenSigner } from './token-signer.js';
import {
  AwsError,
  OAuthError,
  type PoolClient,
  type PoolConfig,
  type PoolDevice,
  type PoolUser,
  UserPool,
} from './user-pool.js';

/**
 * The `ExplicitAuthFlows` values the local user pool knows.
 *
 * @example
 * ```ts
 * import { LOCAL_AUTH_FLOWS } from 'cognito-token-provider/testing';
 *
 * console.log(LOCAL_AUTH_FLOWS.includes('ALLOW_USER_SRP_AUTH')); // true
 * ```
 */
export const LOCAL_AUTH_FLOWS = [
  'ALLOW_USER_SRP_AUTH',
  'ALLOW_USER_PASSWORD_AUTH',
  'ALLOW_USER_AUTH',
  'ALLOW_REFRESH_TOKEN_AUTH',
  'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  'ALLOW_CUSTOM_AUTH',
  'ALLOW_CLIENT_TOKEN_AUTH',
] as const;

/**
 * One `ExplicitAuthFlows` value of an app client.
 *
 * @example
 * ```ts
 * import type { LocalAuthFlow } from 'cognito-token-provider/testing';
 *
 * const flows: LocalAuthFlow[] = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
 * ```
 */
export type LocalAuthFlow = (typeof LOCAL_AUTH_FLOWS)[number];

/**
 * What an app client created through the API, CloudFormation or CDK allows when it names no flows, and so what a
 * local client allows without `explicitAuthFlows`. USER_PASSWORD_AUTH is not among them.
 *
 * @example
 * ```ts
 * import { DEFAULT_AUTH_FLOWS } from 'cognito-token-provider/testing';
 *
 * console.log(DEFAULT_AUTH_FLOWS); // ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH']
 * ```
 */
export const DEFAULT_AUTH_FLOWS: readonly LocalAuthFlow[] = Object.freeze([
  'ALLOW_USER_SRP_AUTH',
  'ALLOW_REFRESH_TOKEN_AUTH',
  'ALLOW_CUSTOM_AUTH',
]);

/**
 * The operations the local user pool answers, as its request counts name them. `oauth2/token` is the OAuth2
 * token endpoint (`POST /oauth2/token`); the others are the Cognito API's.
 *
 * @example
 * ```ts
 * import { LOCAL_COGNITO_OPERATIONS } from 'cognito-token-provider/testing';
 *
 * console.log(LOCAL_COGNITO_OPERATIONS.includes('GetTokensFromRefreshToken')); // true
 * ```
 */
export const LOCAL_COGNITO_OPERATIONS = [
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetTokensFromRefreshToken',
  'AdminInitiateAuth',
  'AdminRespondToAuthChallenge',
  'GetClientToken',
  'ConfirmDevice',
  'UpdateDeviceStatus',
  'ListDevices',
  'oauth2/token',
] as const;

/**
 * An operation of the local user pool.
 *
 * @example
 * ```ts
 * import type { LocalCognitoOperation } from 'cognito-token-provider/testing';
 *
 * const operation: LocalCognitoOperation = 'InitiateAuth';
 * ```
 */
export type LocalCognitoOperation = (typeof LOCAL_COGNITO_OPERATIONS)[number];

/**
 * A user of the local user pool, confirmed, with a permanent password.
 *
 * @example
 * ```ts
 * import type { LocalCognitoUser } from 'cognito-token-provider/testing';
 *
 * const robot: LocalCognitoUser = { username: 'robot', password: 'Corr3ct-Horse!', email: 'robot@example.com' };
 * const withMfa: LocalCognitoUser = { username: 'ops', password: 'pw', totpSecret: 'JBSWY3DPEHPK3PXP' };
 * ```
 */
export interface LocalCognitoUser {
  /** The Cognito username: the `cognito:username` claim, and the USER_ID_FOR_SRP of the SRP math. */
  readonly username: string;
  /** The user's permanent password. */
  readonly password: string;
  /** The `email` claim of the ID token (with `email_verified: true`). Not a sign-in name unless in `aliases`. */
  readonly email?: string;
  /**
   * Other names the user signs in with, as in a pool with email or preferred_username aliases. SECRET_HASH is
   * then over the name as typed for the first step, and over `username` afterwards, as Cognito checks it.
   */
  readonly aliases?: readonly string[];
  /**
   * A base32 TOTP secret, as AssociateSoftwareToken hands out. With one, every password sign-in is answered with
   * the SOFTWARE_TOKEN_MFA challenge (MFA required), and a code is accepted once: a second sign-in in the same
   * 30-second step is refused with `CodeMismatchException`.
   */
  readonly totpSecret?: string;
}

/**
 * An app client of the local user pool.
 *
 * @example
 * ```ts
 * import type { LocalCognitoClient } from 'cognito-token-provider/testing';
 *
 * // As CDK creates it: SRP, refresh and custom auth, no secret.
 * const web: LocalCognitoClient = { clientId: 'web-client' };
 * // A confidential client for machine-to-machine tokens (GetClientToken and /oauth2/token).
 * const m2m: LocalCognitoClient = {
 *   clientId: 'm2m-client',
 *   clientSecret: 'a-long-client-secret',
 *   explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'],
 *   allowedOAuthFlows: ['client_credentials'],
 *   scopes: ['orders/read'],
 * };
 * ```
 */
export interface LocalCognitoClient {
  /** The app client ID, as `clientId` of the provider or `ClientId` of a request names it. */
  readonly clientId: string;
  /** With one, every request must prove it: SECRET_HASH, or the raw secret where Cognito takes it. */
  readonly clientSecret?: string;
  /** Default {@link DEFAULT_AUTH_FLOWS}, as a client created with defaults. */
  readonly explicitAuthFlows?: readonly LocalAuthFlow[];
  /** `['client_credentials']` lets the client (which needs a secret) use `POST /oauth2/token`. Default none. */
  readonly allowedOAuthFlows?: readonly 'client_credentials'[];
  /** The custom scopes the client may be granted (`AllowedOAuthScopes`); granted all when it asks for none. */
  readonly scopes?: readonly string[];
  /**
   * Refresh token rotation: GetTokensFromRefreshToken returns a new refresh token and the old one stops working
   * after `retryGracePeriodSeconds` (default 0; `RefreshTokenReuseException` after that), and REFRESH_TOKEN_AUTH
   * is refused. Off by default, as for a new client.
   */
  readonly refreshTokenRotation?: {
    /** How long a replaced refresh token keeps working, in seconds (Cognito allows 0 to 60). Default 0. */
    readonly retryGracePeriodSeconds?: number;
  };
  /** The first factors USER_AUTH offers (the pool's sign-in options). Default both. */
  readonly userAuthChallenges?: readonly ('PASSWORD' | 'PASSWORD_SRP')[];
}

/**
 * Device tracking, as a pool's "remember devices" setting: `'always'` remembers a device once ConfirmDevice ran;
 * `'user-opt-in'` waits for UpdateDeviceStatus `remembered`. `suppressMfa`: a remembered device signs in without
 * the MFA step. Renewing then needs the device key, as Cognito requires.
 *
 * @example
 * ```ts
 * import type { LocalDeviceTracking } from 'cognito-token-provider/testing';
 *
 * const tracking: LocalDeviceTracking = { remember: 'always', suppressMfa: true };
 * ```
 */
export interface LocalDeviceTracking {
  /** When a confirmed device is remembered: at once, or after UpdateDeviceStatus `remembered`. */
  readonly remember: 'always' | 'user-opt-in';
  /** Whether a remembered device signs in without the MFA step. Default false. */
  readonly suppressMfa?: boolean;
}

/**
 * Options of {@link startLocalCognito}.
 *
 * @example
 * ```ts
 * import type { LocalCognitoOptions } from 'cognito-token-provider/testing';
 *
 * const options: LocalCognitoOptions = {
 *   userPoolId: 'eu-west-1_Local1',
 *   users: [{ username: 'robot', password: 'Corr3ct-Horse!' }],
 *   clients: [{ clientId: 'web-client' }],
 *   tokenLifetimeSeconds: 300,
 * };
 * ```
 */
export interface LocalCognitoOptions {
  /** `<region>_<id>`; the Region is the `clientConfig` Region. Default `eu-west-1_Local1`. */
  readonly userPoolId?: string;
  /** The pool's users, confirmed, with permanent passwords. Default none. */
  readonly users?: readonly LocalCognitoUser[];
  /** The pool's app clients; at least one. */
  readonly clients: readonly LocalCognitoClient[];
  /** Lifetime of ID and access tokens (`ExpiresIn`, `exp - iat`), in seconds. Default 3600. */
  readonly tokenLifetimeSeconds?: number;
  /** Device tracking; off by default. */
  readonly deviceTracking?: LocalDeviceTracking;
}

/**
 * A fault to inject: `throttle` answers TooManyRequestsException (HTTP 400; on `/oauth2/token`, HTTP 429),
 * `server-error` answers InternalErrorException (HTTP 500), `hang` never answers until `stop()`.
 *
 * @example
 * ```ts
 * import type { LocalCognitoFault } from 'cognito-token-provider/testing';
 *
 * const twoThrottles: LocalCognitoFault = { operation: 'InitiateAuth', kind: 'throttle', times: 2 };
 * ```
 */
export interface LocalCognitoFault {
  /** The operation it hits; `'*'` for any. */
  readonly operation: LocalCognitoOperation | '*';
  /** What the matching requests get instead of an answer. */
  readonly kind: 'throttle' | 'server-error' | 'hang';
  /** For how many of the next matching requests. Default 1. */
  readonly times?: number;
}

/**
 * What to spread into `createTokenProvider({ clientConfig })`, `createClientTokenProvider`, or a
 * `CognitoIdentityProviderClient`: the local endpoint, the pool's Region, and dummy credentials (signed
 * operations need a signature; the local pool checks that one is there, not what it signs).
 *
 * @example
 * ```ts
 * import type { LocalClientConfig } from 'cognito-token-provider/testing';
 *
 * declare const clientConfig: LocalClientConfig;
 * console.log(clientConfig.endpoint); // http://127.0.0.1:<port>
 * ```
 */
export interface LocalClientConfig {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The Region of the user pool ID (or of `startLocalSsm`'s `region`). */
  readonly region: string;
  /** `{ accessKeyId: 'local', secretAccessKey: 'local' }`: not an AWS credential, only something to sign with. */
  readonly credentials: {
    /** `local`. */
    readonly accessKeyId: string;
    /** `local`. */
    readonly secretAccessKey: string;
  };
}

/**
 * A running local user pool; see {@link startLocalCognito}.
 *
 * @example
 * ```ts
 * import type { LocalCognito } from 'cognito-token-provider/testing';
 *
 * declare const cognito: LocalCognito;
 * cognito.advance(55 * 60_000); // 55 minutes later, for the server
 * console.log(cognito.requests.InitiateAuth);
 * await cognito.stop();
 * ```
 */
export interface LocalCognito {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The user pool ID, as the options gave it or the default `eu-west-1_Local1`. */
  readonly userPoolId: string;
  /** The Region of `userPoolId`. */
  readonly region: string;
  /** See {@link LocalClientConfig}. */
  readonly clientConfig: LocalClientConfig;
  /** The tokens' `iss`: `http://127.0.0.1:<port>/<userPoolId>` (Cognito's is `https://cognito-idp.<region>…`). */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks.json`, served over http. */
  readonly jwksUri: string;
  /** The key set that verifies the tokens, for verifiers that fetch over https only (`cacheJwks`). */
  readonly jwks: LocalJwks;
  /** `http://127.0.0.1:<port>/oauth2/token`, for `createClientTokenProvider({ tokenEndpoint })`. */
  readonly tokenEndpoint: string;
  /** How many requests each operation received so far, refused and faulted ones included. */
  readonly requests: Readonly<Record<LocalCognitoOperation, number>>;
  /** The server clock, in epoch milliseconds. */
  now(): number;
  /**
   * Moves the server clock forward: token times (`iat`, `exp`, `auth_time`), TOTP steps, session expiry and the
   * SRP TIMESTAMP window follow it. Throws ERR_CONFIGURATION for a negative or non-finite `ms`.
   */
  advance(ms: number): void;
  /** Queues a fault for the next matching requests, after any queued before. */
  fault(fault: LocalCognitoFault): void;
  /** Closes the server and every connection, hung ones included. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_USER_POOL_ID = 'eu-west-1_Local1';
const OPTIONS = ['userPoolId', 'users', 'clients', 'tokenLifetimeSeconds', 'deviceTracking'];
const USER_OPTIONS = ['username', 'password', 'email', 'aliases', 'totpSecret'];
const CLIENT_OPTIONS = [
  'clientId',
  'clientSecret',
  'explicitAuthFlows',
  'allowedOAuthFlows',
  'scopes',
  'refreshTokenRotation',
  'userAuthChallenges',
];

/**
 * Starts a local Cognito user pool on a free loopback port, in this process, for tests of code that gets tokens:
 * InitiateAuth (USER_SRP_AUTH, USER_PASSWORD_AUTH, USER_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge
 * (PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA, SELECT_CHALLENGE, the device challenges), GetTokensFromRefreshToken,
 * AdminInitiateAuth, GetClientToken and `POST /oauth2/token`. It enforces what Cognito enforces: each client's
 * flows, SECRET_HASH, single use of a TOTP code, the device rules. Tokens are RS256 JWTs with Cognito's claims,
 * verifiable with the key set served at `/<userPoolId>/.well-known/jwks.json` (also {@link LocalCognito.jwks}).
 *
 * Bad options throw `CognitoTokenError` `ERR_CONFIGURATION` naming the option. Stop it with `stop()`; it does not
 * keep the process alive on its own.
 *
 * @example
 * ```ts
 * import { createTokenProvider } from 'cognito-token-provider';
 * import { startLocalCognito } from 'cognito-token-provider/testing';
 *
 * const cognito = await startLocalCognito({
 *   users: [{ username: 'robot', password: 'Corr3ct-Horse!' }],
 *   clients: [{ clientId: 'web-client' }],
 * });
 * const tokens = createTokenProvider({
 *   userPoolId: cognito.userPoolId,
 *   clientId: 'web-client',
 *   flow: 'user-srp',
 *   credentials: { username: 'robot', password: 'Corr3ct-Horse!' },
 *   clientConfig: cognito.clientConfig,
 * });
 * console.log(await tokens.getIdToken());
 * await cognito.stop();
 * ```
 */
export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const pool = checkedOptions(options);
  const { handle } = await startUserPoolServer(pool);
  return handle;
}

/** @internal What the test harness adds: bodies of requests, a frozen clock, the devices of a user. */
export interface UserPoolServerHooks {
  /** Sees every request's operation and parsed body, refused ones included. */
  readonly onRequest?: (operation: string, body: Record<string, unknown>) => void;
}

/** @internal The pool's shape before the server gives it an issuer, a signer and a clock. */
export type PoolShape = Omit<PoolConfig, 'issuer' | 'signer' | 'now'>;

/** @internal A started server, with the controls the harness uses beyond the public ones. */
export interface UserPoolServer {
  readonly handle: LocalCognito;
  /** Freezes the server clock at an instant; `undefined` lets it run again (with any `advance` kept). */
  setNow(epochMs: number | undefined): void;
  devicesOf(username: string): PoolDevice[];
}

/** @internal Starts the HTTP server over a pool; `startLocalCognito` and the test harness share it. */
export async function startUserPoolServer(shape: PoolShape, hooks: UserPoolServerHooks = {}): Promise<UserPoolServer> {
  let offsetMs = 0;
  let frozenAt: number | undefined;
  const now = () => (frozenAt ?? Date.now()) + offsetMs;
  const signer = new TokenSigner();
  const faults: { operation: string; kind: LocalCognitoFault['kind']; left: number }[] = [];
  const requests = Object.fromEntries(LOCAL_COGNITO_OPERATIONS.map((operation) => [operation, 0])) as Record<
    string,
    number
  >;
  let issuer = '';
  // Checked before the port is taken: a bad option must not leave a server behind.
  const pool = new UserPool({ ...shape, issuer: () => issuer, signer, now });
  const server = await listenOnLoopback(answer);
  const { endpoint } = server;
  issuer = `${endpoint}/${shape.userPoolId}`;
  const region = shape.userPoolId.slice(0, shape.userPoolId.indexOf('_'));

  function takeFault(operation: string): LocalCognitoFault['kind'] | undefined {
    const index = faults.findIndex((fault) => fault.operation === '*' || fault.operation === operation);
    const fault = faults[index];
    if (fault === undefined) return undefined;
    fault.left -= 1;
    if (fault.left <= 0) faults.splice(index, 1);
    return fault.kind;
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'GET') return serveDiscovery(path, res);
    if (path === '/oauth2/token') return serveTokenEndpoint(req, res, text);

    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSCognitoIdentityProviderService.') ? (target.split('.')[1] ?? '') : '';
    requests[operation] = (requests[operation] ?? 0) + 1;
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text || '{}');
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        body = parsed as Record<string, unknown>;
      }
    } catch {
      // Answered below, after the request is recorded.
    }
    hooks.onRequest?.(operation, body ?? {});
    try {
      const fault = takeFault(operation);
      if (fault === 'hang') return;
      if (fault === 'throttle') throw new AwsError('TooManyRequestsException', 'Rate exceeded');
      if (fault === 'server-error') throw new AwsError('InternalErrorException', 'Internal server error', 500);
      if (body === undefined) throw new AwsError('SerializationException', 'The request body is not valid JSON.');
      if (req.method !== 'POST') throw new AwsError('UnknownOperationException', 'Only POST is supported.');
      const signed = /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ''));
      const output = pool.dispatch(operation, body, { signed });
      if (output === undefined) {
        throw new AwsError(
          'UnknownOperationException',
          `The local user pool does not implement ${target || 'that operation'}.`,
        );
      }
      res.writeHead(200, { 'content-type': AWS_JSON_11 });
      res.end(JSON.stringify(output));
    } catch (error) {
      // Anything else is a bug of this server: answered as Cognito's 500, without echoing what it was.
      const failure = error instanceof AwsError ? error : new AwsError('InternalErrorException', 'Internal error', 500);
      res.writeHead(failure.status, { 'content-type': AWS_JSON_11, 'x-amzn-errortype': failure.type });
      res.end(JSON.stringify({ __type: failure.type, message: failure.message }));
    }
  }

  function serveDiscovery(path: string, res: ServerResponse): void {
    const base = `/${shape.userPoolId}/.well-known/`;
    const documents: Record<string, unknown> = {
      [`${base}jwks.json`]: signer.jwks,
      [`${base}openid-configuration`]: {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        token_endpoint: `${endpoint}/oauth2/token`,
        id_token_signing_alg_values_supported: ['RS256'],
        grant_types_supported: ['client_credentials', 'refresh_token'],
      },
    };
    const document = documents[path];
    res.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(document ?? { message: 'Not found' }));
  }

  function serveTokenEndpoint(req: IncomingMessage, res: ServerResponse, text: string): void {
    requests['oauth2/token'] = (requests['oauth2/token'] ?? 0) + 1;
    const fault = takeFault('oauth2/token');
    if (fault === 'hang') return;
    let status = 200;
    let json: Record<string, unknown>;
    if (fault === 'throttle') {
      status = 429;
      json = { error: 'too_many_requests' };
    } else if (fault === 'server-error') {
      status = 500;
      json = { error: 'server_error' };
    } else {
      try {
        json = pool.oauth2Token(req.headers.authorization, new URLSearchParams(text));
      } catch (error) {
        const failure = error instanceof OAuthError ? error : new OAuthError('server_error', 500);
        status = failure.status;
        json = { error: failure.error };
      }
    }
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(json));
  }

  const handle: LocalCognito = {
    endpoint,
    userPoolId: shape.userPoolId,
    region,
    // A new object at each read: the SDK writes into the credentials object it is given.
    get clientConfig() {
      return localClientConfig(endpoint, region);
    },
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    get jwks() {
      return signer.jwks;
    },
    tokenEndpoint: `${endpoint}/oauth2/token`,
    get requests() {
      return Object.freeze({ ...requests }) as Record<LocalCognitoOperation, number>;
    },
    now,
    advance(ms) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw configurationError('advance(ms)', 'must be a finite number of milliseconds, 0 or more');
      }
      offsetMs += ms;
    },
    fault(fault) {
      const times = fault?.times ?? 1;
      if (!['throttle', 'server-error', 'hang'].includes(fault?.kind)) {
        throw configurationError('fault.kind', "must be 'throttle', 'server-error' or 'hang'");
      }
      if (fault.operation !== '*' && !(LOCAL_COGNITO_OPERATIONS as readonly string[]).includes(fault.operation)) {
        throw configurationError('fault.operation', `must be '*' or one of ${LOCAL_COGNITO_OPERATIONS.join(', ')}`);
      }
      if (!Number.isInteger(times) || times < 1)
        throw configurationError('fault.times', 'must be a whole number, 1 or more');
      faults.push({ operation: fault.operation, kind: fault.kind, left: times });
    },
    stop: () => server.stop(),
  };
  return {
    handle,
    setNow(epochMs) {
      frozenAt = epochMs === undefined ? undefined : epochMs - offsetMs;
    },
    devicesOf: (username) => pool.devicesOf(username),
  };
}

const AWS_JSON_11 = 'application/x-amz-json-1.1';

/** @internal A client config for a local endpoint: the endpoint, the Region and dummy credentials. */
export function localClientConfig(endpoint: string, region: string): LocalClientConfig {
  return { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** The public options, checked and turned into the pool's shape. */
function checkedOptions(options: LocalCognitoOptions): PoolShape {
  if (typeof options !== 'object' || options === null) {
    throw configurationError('options', 'must be an object with "clients" (and usually "users")');
  }
  rejectUnknownOptions(options, OPTIONS, 'startLocalCognito');
  const userPoolId = options.userPoolId ?? DEFAULT_USER_POOL_ID;
  if (typeof userPoolId !== 'string' || !/^[a-z]{2,4}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+$/.test(userPoolId)) {
    throw configurationError('userPoolId', 'must look like "<region>_<id>", for example "eu-west-1_Local1"');
  }
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw configurationError('tokenLifetimeSeconds', 'must be a whole number of seconds, 1 or more');
  }
  if (!Array.isArray(options.clients) || options.clients.length === 0) {
    throw configurationError('clients', 'must list at least one app client: [{ clientId }]');
  }
  const users = options.users ?? [];
  if (!Array.isArray(users)) throw configurationError('users', 'must be an array of { username, password }');
  const tracking = options.deviceTracking;
  if (tracking !== undefined) {
    rejectUnknownOptions(tracking, ['remember', 'suppressMfa'], 'startLocalCognito', { prefix: 'deviceTracking.' });
    if (tracking.remember !== 'always' && tracking.remember !== 'user-opt-in') {
      throw configurationError('deviceTracking.remember', "must be 'always' or 'user-opt-in'");
    }
  }
  return {
    userPoolId,
    tokenLifetimeSeconds: lifetime,
    devices: tracking,
    clients: options.clients.map(checkedClient),
    users: users.map(checkedUser),
  };
}

function checkedClient(client: LocalCognitoClient): PoolClient {
  rejectUnknownOptions(client, CLIENT_OPTIONS, 'startLocalCognito', { prefix: 'clients[].' });
  if (typeof client?.clientId !== 'string' || client.clientId === '') {
    throw configurationError('clients[].clientId', 'must be a non-empty string');
  }
  if (client.clientSecret !== undefined && (typeof client.clientSecret !== 'string' || client.clientSecret === '')) {
    throw configurationError('clients[].clientSecret', 'must be a non-empty string when given');
  }
  const flows = client.explicitAuthFlows ?? DEFAULT_AUTH_FLOWS;
  const unknown = flows.find((flow) => !(LOCAL_AUTH_FLOWS as readonly string[]).includes(flow));
  if (unknown !== undefined) {
    throw configurationError(
      'clients[].explicitAuthFlows',
      `has "${String(unknown).slice(0, 40)}"; the flows are ${LOCAL_AUTH_FLOWS.join(', ')}`,
    );
  }
  return {
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    explicitAuthFlows: [...flows],
    userAuthChallenges: client.userAuthChallenges,
    allowedOAuthFlows: client.allowedOAuthFlows,
    scopes: client.scopes,
    refreshTokenRotation: client.refreshTokenRotation,
  };
}

function checkedUser(user: LocalCognitoUser): PoolUser {
  rejectUnknownOptions(user, USER_OPTIONS, 'startLocalCognito', { prefix: 'users[].' });
  if (typeof user?.username !== 'string' || user.username === '') {
    throw configurationError('users[].username', 'must be a non-empty string');
  }
  if (typeof user.password !== 'string' || user.password === '') {
    throw configurationError('users[].password', `must be a non-empty string (user "${user.username}")`);
  }
  return {
    username: user.username,
    password: user.password,
    email: user.email,
    aliases: user.aliases,
    totpSecret: user.totpSecret,
    mfa: user.totpSecret === undefined ? undefined : 'SOFTWARE_TOKEN_MFA',
  };
}

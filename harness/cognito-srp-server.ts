/**
 * A loopback Cognito user pool for the sign-in flows cognito-local lacks: USER_SRP_AUTH, USER_AUTH (with
 * SELECT_CHALLENGE), SOFTWARE_TOKEN_MFA with used-code refusal, REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken,
 * remembered devices (NewDeviceMetadata, ConfirmDevice, UpdateDeviceStatus, ListDevices, DEVICE_SRP_AUTH and
 * DEVICE_PASSWORD_VERIFIER, the device key required on refresh), and SECRET_HASH checked where real Cognito checks
 * it. It speaks AWS JSON 1.1 like the real endpoint, so the AWS SDK v3 and
 * amazon-cognito-identity-js talk to it unchanged.
 *
 * The SRP server math is written here on its own, in BigInt, and never imports `src/user/srp.ts`: a client
 * and a server that shared code could share a bug and still agree. Its behaviour follows COGNITO.md; where the
 * real service is undocumented it picks the strict reading (sessions are single-use and last 3 minutes, an
 * unknown user is `UserNotFoundException`, usernames and aliases match exactly).
 *
 * Tokens are well-formed JWTs with a meaningless signature: good for decoding, not for verifying. Refresh
 * tokens are opaque strings, as in real Cognito.
 *
 * @example
 * ```ts
 * const server = await startCognitoSrpServer({
 *   userPoolId: 'eu-west-1_Harness1',
 *   clients: [{ clientId: 'app', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
 *   users: [{ username: 'f0e4b3c1-7d21-4a4e-9c1b-2f6a8d5e0c11', aliases: ['ops@example.com'], password: 'pw' }],
 * });
 * const sdk = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'eu-west-1' });
 * // ... sign in; server.requests lists every call
 * await server.close();
 * ```
 */
import { createHash, createHmac, getDiffieHellman, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An app client. Flags as in `ExplicitAuthFlows`: `ALLOW_USER_SRP_AUTH`, `ALLOW_USER_AUTH`, ... */
export interface SrpServerClient {
  clientId: string;
  clientSecret?: string;
  explicitAuthFlows: string[];
  /** The first-factor methods USER_AUTH offers (the pool's sign-in options). Default both. */
  userAuthChallenges?: ('PASSWORD' | 'PASSWORD_SRP')[];
}

/** A user. `username` is the real (sub-like) name; `aliases` are what people type instead (an email). */
export interface SrpServerUser {
  username: string;
  aliases?: string[];
  password: string;
  /** Base32 TOTP secret, as AssociateSoftwareToken hands out. */
  totpSecret?: string;
  /** Set to ask for the TOTP code after every password step. */
  mfa?: 'SOFTWARE_TOKEN_MFA';
}

/**
 * Device tracking, as a pool's `DeviceConfiguration` sets it. `remember: 'always'` remembers a device once it is
 * confirmed (`DeviceOnlyRememberedOnUserPrompt: false`); `'user-opt-in'` waits for UpdateDeviceStatus
 * `remembered`. `suppressMfa`: a remembered device signs in without the MFA step (the pool's "use a remembered
 * device to suppress MFA").
 */
export interface SrpServerDeviceTracking {
  remember: 'always' | 'user-opt-in';
  suppressMfa?: boolean;
}

export interface SrpServerPool {
  /** `<region>_<id>`; the part after `_` is the SRP pool name. */
  userPoolId: string;
  clients: SrpServerClient[];
  users: SrpServerUser[];
  /** ID and access token lifetime (`ExpiresIn`). Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Device tracking; off when absent. */
  devices?: SrpServerDeviceTracking;
}

/** A device the pool registered for a user, as tests inspect it. */
export interface SrpServerDevice {
  readonly key: string;
  readonly groupKey: string;
  readonly confirmed: boolean;
  readonly remembered: boolean;
  /** The `DeviceName` ConfirmDevice gave, if any. */
  readonly name: string | undefined;
}

export interface RecordedRequest {
  operation: string;
  body: Record<string, unknown>;
}

export interface CognitoSrpServer {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` or amazon-cognito-identity-js's pool `endpoint`. */
  readonly endpoint: string;
  /** Every request, in order, including refused ones. */
  readonly requests: RecordedRequest[];
  /** Freezes the server clock (TOTP steps, TIMESTAMP window, token times, sessions); `undefined` unfreezes. */
  setNow(epochMs: number | undefined): void;
  /** The devices registered for a user (by any of its names), confirmed or not, oldest first. */
  devicesOf(username: string): SrpServerDevice[];
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. Throws at once on an inconsistent pool. */
export async function startCognitoSrpServer(pool: SrpServerPool): Promise<CognitoSrpServer> {
  const state = new PoolState(pool);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void answer(req, res, state, requests);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setNow: (epochMs) => {
      state.fixedNow = epochMs;
    },
    devicesOf: (username) => state.devicesOf(username),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// --- Protocol ----------------------------------------------------------------------------------------------------

const AWS_JSON_11 = 'application/x-amz-json-1.1';

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  state: PoolState,
  requests: RecordedRequest[],
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSCognitoIdentityProviderService.') ? (target.split('.')[1] ?? '') : '';
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      body =
        typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : {};
    } catch {
      requests.push({ operation, body: {} });
      throw new AwsError('SerializationException', 'The request body is not valid JSON.');
    }
    requests.push({ operation, body });
    if (req.method !== 'POST') throw new AwsError('UnknownOperationException', 'Only POST is supported.');
    const output = state.dispatch(operation, body) ?? unknownOperation(target);
    res.writeHead(200, { 'content-type': AWS_JSON_11 });
    res.end(JSON.stringify(output));
  } catch (error) {
    const failure = error instanceof AwsError ? error : new AwsError('InternalErrorException', String(error), 500);
    res.writeHead(failure.status, { 'content-type': AWS_JSON_11, 'x-amzn-errortype': failure.type });
    res.end(JSON.stringify({ __type: failure.type, message: failure.message }));
  }
}

function unknownOperation(target: string): never {
  throw new AwsError('UnknownOperationException', `This test server does not implement ${target || 'that operation'}.`);
}

// --- The pool ----------------------------------------------------------------------------------------------------

const FLOW_FLAGS: Record<string, string> = {
  USER_SRP_AUTH: 'ALLOW_USER_SRP_AUTH',
  USER_PASSWORD_AUTH: 'ALLOW_USER_PASSWORD_AUTH',
  USER_AUTH: 'ALLOW_USER_AUTH',
  REFRESH_TOKEN_AUTH: 'ALLOW_REFRESH_TOKEN_AUTH',
  REFRESH_TOKEN: 'ALLOW_REFRESH_TOKEN_AUTH',
};
const SESSION_MS = 3 * 60_000;
const TIMESTAMP_SKEW_MS = 5 * 60_000;
const WRONG_PASSWORD = 'Incorrect username or password.';
const INVALID_REFRESH_TOKEN = 'Invalid Refresh Token';
const NO_SUCH_DEVICE = 'Device does not exist.';

interface StoredDevice {
  readonly key: string;
  readonly groupKey: string;
  confirmed: boolean;
  remembered: boolean;
  name: string | undefined;
  /** From ConfirmDevice's DeviceSecretVerifierConfig: what device SRP checks the device password against. */
  salt: bigint | undefined;
  verifier: bigint | undefined;
}

interface StoredUser {
  readonly config: SrpServerUser;
  readonly sub: string;
  readonly salt: bigint;
  readonly verifier: bigint;
  lastTotpStep: number;
  /** One per user, as Cognito hands out: the "pool name" of the device SRP math. */
  readonly deviceGroupKey: string;
  readonly devices: Map<string, StoredDevice>;
}

/** What a sign-in carries from step to step: how it started, and the device it named. */
interface SignInContext {
  readonly flow: string;
  /** A confirmed device of the user, named by DEVICE_KEY: the sign-in is for it (and, remembered, proves it). */
  readonly device?: StoredDevice;
}

type Session =
  | {
      kind: 'PASSWORD_VERIFIER';
      user: StoredUser;
      clientId: string;
      expires: number;
      signIn: SignInContext;
      /** DEVICE_KEY as InitiateAuth sent it; the challenge answer may name one too. */
      deviceKey: string | undefined;
      b: bigint;
      A: bigint;
      B: bigint;
      secretBlock: string;
    }
  | {
      kind: 'DEVICE_PASSWORD_VERIFIER';
      user: StoredUser;
      clientId: string;
      expires: number;
      signIn: SignInContext & { readonly device: StoredDevice };
      b: bigint;
      A: bigint;
      B: bigint;
      secretBlock: string;
    }
  | {
      kind: 'SELECT_CHALLENGE';
      user: StoredUser;
      clientId: string;
      expires: number;
      deviceKey: string | undefined;
    }
  | {
      kind: 'SOFTWARE_TOKEN_MFA' | 'DEVICE_SRP_AUTH';
      user: StoredUser;
      clientId: string;
      expires: number;
      signIn: SignInContext;
      tries?: number;
    };

interface IssuedRefreshToken {
  readonly user: StoredUser;
  readonly clientId: string;
  /** The flow that signed in: a device-tracking pool refuses to renew USER_PASSWORD_AUTH's tokens. */
  readonly flow: string;
  /** With device tracking, the device the sign-in was for: renewing needs its key, and needs it confirmed. */
  readonly deviceKey: string | undefined;
}

type Params = Record<string, unknown>;

class PoolState {
  fixedNow: number | undefined;
  readonly #poolName: string;
  readonly #region: string;
  readonly #issuer: string;
  readonly #lifetime: number;
  readonly #tracking: SrpServerDeviceTracking | undefined;
  readonly #clients = new Map<string, SrpServerClient>();
  readonly #users = new Map<string, StoredUser>();
  readonly #sessions = new Map<string, Session>();
  readonly #refreshTokens = new Map<string, IssuedRefreshToken>();
  readonly #accessTokens = new Map<string, { user: StoredUser; expires: number }>();

  constructor(pool: SrpServerPool) {
    const match = /^([\w-]+)_([0-9a-zA-Z]+)$/.exec(pool.userPoolId);
    if (!match) throw new Error(`userPoolId "${pool.userPoolId}" is not <region>_<id>`);
    this.#region = match[1] as string;
    this.#poolName = match[2] as string;
    this.#issuer = `https://cognito-idp.${this.#region}.amazonaws.com/${pool.userPoolId}`;
    this.#lifetime = pool.tokenLifetimeSeconds ?? 3600;
    this.#tracking = pool.devices;
    for (const client of pool.clients) this.#clients.set(client.clientId, client);
    for (const config of pool.users) {
      const salt = BigInt(`0x${randomBytes(16).toString('hex')}`);
      const verifier = srpVerifier(salt, this.#poolName, config.username, config.password);
      const user: StoredUser = {
        config,
        sub: randomUUID(),
        salt,
        verifier,
        lastTotpStep: -1,
        deviceGroupKey: `-${randomBytes(6).toString('base64url')}`,
        devices: new Map(),
      };
      for (const name of [config.username, ...(config.aliases ?? [])]) {
        if (this.#users.has(name)) throw new Error(`user name or alias "${name}" is used twice`);
        this.#users.set(name, user);
      }
    }
  }

  now(): number {
    return this.fixedNow ?? Date.now();
  }

  /** The answer to one operation, or `undefined` for an operation this server does not implement. */
  dispatch(operation: string, body: Params): unknown {
    switch (operation) {
      case 'InitiateAuth':
        return this.initiateAuth(body);
      case 'RespondToAuthChallenge':
        return this.respondToAuthChallenge(body);
      case 'GetTokensFromRefreshToken':
        return this.getTokensFromRefreshToken(body);
      case 'ConfirmDevice':
        return this.confirmDevice(body);
      case 'UpdateDeviceStatus':
        return this.updateDeviceStatus(body);
      case 'ListDevices':
        return this.listDevices(body);
      default:
        return undefined;
    }
  }

  devicesOf(username: string): SrpServerDevice[] {
    return [...this.#user(username).devices.values()].map(({ key, groupKey, confirmed, remembered, name }) => ({
      key,
      groupKey,
      confirmed,
      remembered,
      name,
    }));
  }

  initiateAuth(body: Params): unknown {
    const client = this.#client(body.ClientId);
    const flow = String(body.AuthFlow ?? '');
    const params = record(body.AuthParameters);
    const flag = FLOW_FLAGS[flow];
    if (flag === undefined || !client.explicitAuthFlows.includes(flag)) {
      throw new AwsError('InvalidParameterException', `${flow} flow not enabled for this client`);
    }
    if (flag === 'ALLOW_REFRESH_TOKEN_AUTH') {
      const refreshToken = required(params, 'REFRESH_TOKEN');
      return this.#renew(client, refreshToken, params.DEVICE_KEY, (user) =>
        this.#checkSecretHash(client, user.config.username, params.SECRET_HASH),
      );
    }

    const typed = required(params, 'USERNAME');
    this.#checkSecretHash(client, typed, params.SECRET_HASH);
    const user = this.#user(typed);
    const deviceKey = optional(params, 'DEVICE_KEY');
    if (flow === 'USER_SRP_AUTH') {
      return this.#srpChallenge(client, user, required(params, 'SRP_A'), flow, deviceKey);
    }
    if (flow === 'USER_PASSWORD_AUTH') {
      return this.#passwordSignIn(client, user, required(params, 'PASSWORD'), flow, deviceKey);
    }
    // USER_AUTH: the preferred challenge when it is one we offer, else the list to choose from.
    const offered = client.userAuthChallenges ?? ['PASSWORD', 'PASSWORD_SRP'];
    const preferred = offered.find((challenge) => challenge === params.PREFERRED_CHALLENGE);
    if (preferred === 'PASSWORD') {
      return this.#passwordSignIn(client, user, required(params, 'PASSWORD'), flow, deviceKey);
    }
    if (preferred === 'PASSWORD_SRP') {
      return this.#srpChallenge(client, user, required(params, 'SRP_A'), flow, deviceKey);
    }
    return {
      ChallengeName: 'SELECT_CHALLENGE',
      Session: this.#newSession({ kind: 'SELECT_CHALLENGE', user, clientId: client.clientId, deviceKey }),
      ChallengeParameters: {},
      AvailableChallenges: [...offered],
    };
  }

  respondToAuthChallenge(body: Params): unknown {
    const client = this.#client(body.ClientId);
    const responses = record(body.ChallengeResponses);
    const session = this.#takeSession(body.Session, client, String(body.ChallengeName ?? ''));
    const user = this.#user(required(responses, 'USERNAME'));
    if (user !== session.user) throw new AwsError('NotAuthorizedException', WRONG_PASSWORD);

    switch (session.kind) {
      case 'SELECT_CHALLENGE': {
        // The first password step of USER_AUTH: hashed over the name as typed, like InitiateAuth.
        this.#checkSecretHash(client, required(responses, 'USERNAME'), responses.SECRET_HASH);
        const choice = required(responses, 'ANSWER');
        if (!(client.userAuthChallenges ?? ['PASSWORD', 'PASSWORD_SRP']).some((offered) => offered === choice)) {
          throw new AwsError('InvalidParameterException', `ANSWER ${choice} is not an available challenge`);
        }
        const deviceKey = optional(responses, 'DEVICE_KEY') ?? session.deviceKey;
        if (choice === 'PASSWORD') {
          return this.#passwordSignIn(client, user, required(responses, 'PASSWORD'), 'USER_AUTH', deviceKey);
        }
        if (choice === 'PASSWORD_SRP') {
          return this.#srpChallenge(client, user, required(responses, 'SRP_A'), 'USER_AUTH', deviceKey);
        }
        throw new AwsError('InvalidParameterException', `ANSWER ${choice} is not an available challenge`);
      }
      case 'PASSWORD_VERIFIER': {
        // From here on Cognito knows the real user: the hash is over USER_ID_FOR_SRP, never the alias.
        this.#checkSecretHash(client, user.config.username, responses.SECRET_HASH);
        this.#verifyClaim(session, responses, this.#poolName, user.config.username, user.verifier);
        // Clients name their device here as well as (or instead of) in InitiateAuth.
        const deviceKey = optional(responses, 'DEVICE_KEY') ?? session.deviceKey;
        return this.#afterPassword(client, user, session.signIn.flow, deviceKey);
      }
      case 'SOFTWARE_TOKEN_MFA': {
        this.#checkSecretHash(client, user.config.username, responses.SECRET_HASH);
        try {
          this.#verifyTotp(user, required(responses, 'SOFTWARE_TOKEN_MFA_CODE'));
        } catch (error) {
          // A refused code leaves the challenge standing, for a few more tries within the session's life.
          if (error instanceof AwsError && error.type === 'CodeMismatchException' && (session.tries ?? 0) < 2) {
            this.#sessions.set(String(body.Session), { ...session, tries: (session.tries ?? 0) + 1 });
          }
          throw error;
        }
        return this.#afterMfa(client, user, session.signIn);
      }
      case 'DEVICE_SRP_AUTH': {
        this.#checkSecretHash(client, user.config.username, responses.SECRET_HASH);
        const device = session.signIn.device as StoredDevice;
        if (optional(responses, 'DEVICE_KEY') !== device.key) {
          throw new AwsError('ResourceNotFoundException', NO_SUCH_DEVICE);
        }
        return this.#deviceSrpChallenge(client, user, { ...session.signIn, device }, required(responses, 'SRP_A'));
      }
      case 'DEVICE_PASSWORD_VERIFIER': {
        this.#checkSecretHash(client, user.config.username, responses.SECRET_HASH);
        const { device } = session.signIn;
        if (optional(responses, 'DEVICE_KEY') !== device.key) {
          throw new AwsError('ResourceNotFoundException', NO_SUCH_DEVICE);
        }
        // The device SRP proof: the device group key stands where the pool name was, the device key where the
        // user was, and the verifier is the one ConfirmDevice stored.
        this.#verifyClaim(session, responses, device.groupKey, device.key, device.verifier as bigint);
        return { ChallengeParameters: {}, AuthenticationResult: this.#signedIn(client, user, session.signIn) };
      }
    }
  }

  getTokensFromRefreshToken(body: Params): unknown {
    const client = this.#client(body.ClientId);
    if (!client.explicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH')) {
      throw new AwsError('InvalidParameterException', 'REFRESH_TOKEN_AUTH flow not enabled for this client');
    }
    const refreshToken = required(body, 'RefreshToken');
    // This API takes the raw client secret, not a SECRET_HASH.
    return this.#renew(client, refreshToken, body.DeviceKey, () => {
      if (client.clientSecret === undefined) return;
      if (body.ClientSecret === undefined) {
        throw new AwsError(
          'NotAuthorizedException',
          `Client ${client.clientId} is configured for secret but secret was not received`,
        );
      }
      if (!equalStrings(String(body.ClientSecret), client.clientSecret)) {
        throw new AwsError('NotAuthorizedException', `Unable to verify secret for client ${client.clientId}`);
      }
    });
  }

  /** ConfirmDevice: authorised by the access token; stores the device's SRP salt and verifier. */
  confirmDevice(body: Params): unknown {
    const user = this.#userOfAccessToken(body.AccessToken);
    const device = user.devices.get(String(body.DeviceKey));
    if (device === undefined) throw new AwsError('ResourceNotFoundException', NO_SUCH_DEVICE);
    const config = record(body.DeviceSecretVerifierConfig);
    const salt = base64Integer(config.Salt);
    const verifier = base64Integer(config.PasswordVerifier);
    if (salt === undefined || verifier === undefined || verifier % N === 0n) {
      throw new AwsError('InvalidParameterException', 'DeviceSecretVerifierConfig is not a valid SRP verifier.');
    }
    device.salt = salt;
    device.verifier = verifier;
    device.confirmed = true;
    device.name = typeof body.DeviceName === 'string' ? body.DeviceName : undefined;
    device.remembered = this.#tracking?.remember === 'always';
    return { UserConfirmationNecessary: this.#tracking?.remember === 'user-opt-in' };
  }

  updateDeviceStatus(body: Params): unknown {
    const user = this.#userOfAccessToken(body.AccessToken);
    const device = user.devices.get(String(body.DeviceKey));
    if (device === undefined || !device.confirmed) throw new AwsError('ResourceNotFoundException', NO_SUCH_DEVICE);
    const status = body.DeviceRememberedStatus;
    if (status !== 'remembered' && status !== 'not_remembered') {
      throw new AwsError('InvalidParameterException', 'DeviceRememberedStatus must be remembered or not_remembered.');
    }
    device.remembered = status === 'remembered';
    return {};
  }

  listDevices(body: Params): unknown {
    const user = this.#userOfAccessToken(body.AccessToken);
    const limit = typeof body.Limit === 'number' ? body.Limit : 60;
    return {
      Devices: [...user.devices.values()].slice(0, limit).map((device) => ({
        DeviceKey: device.key,
        DeviceAttributes: [
          { Name: 'device_status', Value: device.confirmed ? 'valid' : 'unconfirmed' },
          { Name: 'dev:device_remembered_status', Value: device.remembered ? 'remembered' : 'not_remembered' },
          ...(device.name === undefined ? [] : [{ Name: 'device_name', Value: device.name }]),
        ],
      })),
    };
  }

  #client(clientId: unknown): SrpServerClient {
    const client = this.#clients.get(String(clientId));
    if (!client)
      throw new AwsError('ResourceNotFoundException', `User pool client ${String(clientId)} does not exist.`);
    return client;
  }

  #user(name: string): StoredUser {
    const user = this.#users.get(name);
    if (!user) throw new AwsError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  #userOfAccessToken(token: unknown): StoredUser {
    const issued = this.#accessTokens.get(String(token));
    if (issued === undefined) throw new AwsError('NotAuthorizedException', 'Invalid Access Token');
    if (issued.expires <= this.now()) throw new AwsError('NotAuthorizedException', 'Access Token has expired');
    return issued.user;
  }

  #checkSecretHash(client: SrpServerClient, username: string, given: unknown): void {
    if (client.clientSecret === undefined) return;
    if (given === undefined) {
      throw new AwsError(
        'NotAuthorizedException',
        `Client ${client.clientId} is configured for secret but secret was not received`,
      );
    }
    const expected = createHmac('sha256', client.clientSecret)
      .update(`${username}${client.clientId}`, 'utf8')
      .digest('base64');
    if (given !== expected) {
      throw new AwsError('NotAuthorizedException', `Unable to verify secret hash for client ${client.clientId}`);
    }
  }

  #newSession(session: DistributiveOmit<Session, 'expires'>): string {
    const id = randomBytes(96).toString('base64');
    this.#sessions.set(id, { ...session, expires: this.now() + SESSION_MS } as Session);
    return id;
  }

  /** Sessions are single-use: a failed answer means starting again, as with Cognito. */
  #takeSession(id: unknown, client: SrpServerClient, challengeName: string): Session {
    const session = this.#sessions.get(String(id));
    this.#sessions.delete(String(id));
    if (!session || session.clientId !== client.clientId || session.kind !== challengeName) {
      throw new AwsError('NotAuthorizedException', 'Invalid session for the user.');
    }
    if (session.expires < this.now()) {
      throw new AwsError('NotAuthorizedException', 'Invalid session for the user, session is expired.');
    }
    return session;
  }

  #passwordSignIn(
    client: SrpServerClient,
    user: StoredUser,
    password: string,
    flow: string,
    deviceKey: string | undefined,
  ): unknown {
    if (!equalStrings(password, user.config.password)) throw new AwsError('NotAuthorizedException', WRONG_PASSWORD);
    return this.#afterPassword(client, user, flow, deviceKey);
  }

  /**
   * After the password: a remembered device skips MFA where the pool lets it, and proves itself with device SRP;
   * without that, MFA comes first, then a remembered device proves itself. A device that is confirmed but not
   * remembered (user opt-in) is only tracked: the sign-in is for it, with no proof asked.
   */
  #afterPassword(client: SrpServerClient, user: StoredUser, flow: string, deviceKey: string | undefined): unknown {
    const device = this.#namedDevice(user, deviceKey);
    const signIn: SignInContext = device === undefined ? { flow } : { flow, device };
    if (device?.remembered && this.#tracking?.suppressMfa) return this.#deviceSrpAuth(client, user, signIn);
    if (user.config.mfa === 'SOFTWARE_TOKEN_MFA') {
      return {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: this.#newSession({ kind: 'SOFTWARE_TOKEN_MFA', user, clientId: client.clientId, signIn }),
        ChallengeParameters: { USER_ID_FOR_SRP: user.config.username },
      };
    }
    return this.#afterMfa(client, user, signIn);
  }

  #afterMfa(client: SrpServerClient, user: StoredUser, signIn: SignInContext): unknown {
    if (signIn.device?.remembered) return this.#deviceSrpAuth(client, user, signIn);
    return { ChallengeParameters: {}, AuthenticationResult: this.#signedIn(client, user, signIn) };
  }

  /**
   * The device a sign-in names with DEVICE_KEY, when the pool tracks devices. A key that is not one of the
   * user's confirmed devices (forgotten, never confirmed, another user's) is refused as Cognito refuses it.
   */
  #namedDevice(user: StoredUser, deviceKey: string | undefined): StoredDevice | undefined {
    if (this.#tracking === undefined || deviceKey === undefined) return undefined;
    const device = user.devices.get(deviceKey);
    if (device === undefined || !device.confirmed) throw new AwsError('ResourceNotFoundException', NO_SUCH_DEVICE);
    return device;
  }

  #deviceSrpAuth(client: SrpServerClient, user: StoredUser, signIn: SignInContext): unknown {
    return {
      ChallengeName: 'DEVICE_SRP_AUTH',
      Session: this.#newSession({ kind: 'DEVICE_SRP_AUTH', user, clientId: client.clientId, signIn }),
      ChallengeParameters: { USERNAME: user.config.username },
    };
  }

  #srpChallenge(
    client: SrpServerClient,
    user: StoredUser,
    srpA: string,
    flow: string,
    deviceKey: string | undefined,
  ): unknown {
    const A = publicValue(srpA);
    const { b, B } = serverExchange(user.verifier);
    const secretBlock = randomBytes(96).toString('base64');
    const session = this.#newSession({
      kind: 'PASSWORD_VERIFIER',
      user,
      clientId: client.clientId,
      signIn: { flow },
      deviceKey,
      b,
      A,
      B,
      secretBlock,
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: session,
      ChallengeParameters: {
        SALT: user.salt.toString(16),
        SRP_B: B.toString(16),
        SECRET_BLOCK: secretBlock,
        USER_ID_FOR_SRP: user.config.username,
        USERNAME: user.config.username,
      },
    };
  }

  #deviceSrpChallenge(
    client: SrpServerClient,
    user: StoredUser,
    signIn: SignInContext & { readonly device: StoredDevice },
    srpA: string,
  ): unknown {
    const A = publicValue(srpA);
    const { b, B } = serverExchange(signIn.device.verifier as bigint);
    const secretBlock = randomBytes(96).toString('base64');
    const session = this.#newSession({
      kind: 'DEVICE_PASSWORD_VERIFIER',
      user,
      clientId: client.clientId,
      signIn,
      b,
      A,
      B,
      secretBlock,
    });
    return {
      ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
      Session: session,
      ChallengeParameters: {
        SALT: (signIn.device.salt as bigint).toString(16),
        SRP_B: B.toString(16),
        SECRET_BLOCK: secretBlock,
        USERNAME: user.config.username,
      },
    };
  }

  /** Checks a PASSWORD_VERIFIER (or DEVICE_PASSWORD_VERIFIER) answer against the session's SRP exchange. */
  #verifyClaim(
    session: { readonly secretBlock: string; readonly A: bigint; readonly B: bigint; readonly b: bigint },
    responses: Params,
    poolName: string,
    userIdForSrp: string,
    verifier: bigint,
  ): void {
    const block = required(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
    const timestamp = required(responses, 'TIMESTAMP');
    const signature = required(responses, 'PASSWORD_CLAIM_SIGNATURE');
    if (block !== session.secretBlock || !this.#timestampIsValid(timestamp)) {
      throw new AwsError('NotAuthorizedException', WRONG_PASSWORD);
    }
    const expected = srpPasswordSignature({
      poolName,
      userIdForSrp,
      secretBlock: session.secretBlock,
      timestamp,
      srpA: session.A,
      srpB: session.B,
      b: session.b,
      verifier,
    });
    if (expected === undefined || !equalStrings(signature, expected)) {
      throw new AwsError('NotAuthorizedException', WRONG_PASSWORD);
    }
  }

  /** `EEE MMM d HH:mm:ss UTC yyyy`, parsed strictly: the day unpadded, the weekday right, the time near ours. */
  #timestampIsValid(timestamp: string): boolean {
    const match =
      /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d) UTC (\d{4})$/.exec(
        timestamp,
      );
    if (!match) return false;
    const [, weekday, month, day, hours, minutes, seconds, year] = match as unknown as string[];
    const monthIndex = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(month as string) / 3;
    const instant = new Date(
      Date.UTC(Number(year), monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds)),
    );
    return (
      instant.getUTCDate() === Number(day) && // no 31 April
      'SunMonTueWedThuFriSat'.indexOf(weekday as string) / 3 === instant.getUTCDay() &&
      Math.abs(instant.getTime() - this.now()) <= TIMESTAMP_SKEW_MS
    );
  }

  #verifyTotp(user: StoredUser, code: string): void {
    const secret = user.config.totpSecret;
    if (secret === undefined) throw new AwsError('CodeMismatchException', 'Invalid code received for user');
    const current = Math.floor(this.now() / 30_000);
    const matched = [current - 1, current, current + 1].find((step) => hotp(base32Bytes(secret), step) === code);
    if (matched === undefined || matched <= user.lastTotpStep) {
      throw new AwsError('CodeMismatchException', 'Invalid code received for user');
    }
    user.lastTotpStep = matched;
  }

  /**
   * REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken. With device tracking, Cognito renews only for the device the
   * sign-in was for, once confirmed, named by its key; and never tokens from USER_PASSWORD_AUTH.
   */
  #renew(
    client: SrpServerClient,
    refreshToken: string,
    deviceKey: unknown,
    checkSecret: (user: StoredUser) => void,
  ): unknown {
    const stored = this.#refreshTokens.get(refreshToken);
    if (!stored || stored.clientId !== client.clientId) {
      throw new AwsError('NotAuthorizedException', INVALID_REFRESH_TOKEN);
    }
    checkSecret(stored.user);
    if (this.#tracking !== undefined) {
      const device = stored.deviceKey === undefined ? undefined : stored.user.devices.get(stored.deviceKey);
      if (stored.flow === 'USER_PASSWORD_AUTH' || !device?.confirmed || deviceKey !== device.key) {
        throw new AwsError('NotAuthorizedException', INVALID_REFRESH_TOKEN);
      }
    }
    return { ChallengeParameters: {}, AuthenticationResult: this.#tokens(client, stored.user) };
  }

  /**
   * The tokens of a completed sign-in, with a refresh token. A device-tracking pool registers a new device for a
   * sign-in that did not prove one, and hands it out as NewDeviceMetadata.
   */
  #signedIn(client: SrpServerClient, user: StoredUser, signIn: SignInContext): Record<string, unknown> {
    const result = this.#tokens(client, user);
    let deviceKey = signIn.device?.key;
    if (this.#tracking !== undefined && deviceKey === undefined) {
      deviceKey = `${this.#region}_${randomUUID()}`;
      user.devices.set(deviceKey, {
        key: deviceKey,
        groupKey: user.deviceGroupKey,
        confirmed: false,
        remembered: false,
        name: undefined,
        salt: undefined,
        verifier: undefined,
      });
      result.NewDeviceMetadata = { DeviceKey: deviceKey, DeviceGroupKey: user.deviceGroupKey };
    }
    // Opaque, like the encrypted tokens real Cognito issues: clients must not decode them.
    const refreshToken = randomBytes(120).toString('base64url');
    this.#refreshTokens.set(refreshToken, { user, clientId: client.clientId, flow: signIn.flow, deviceKey });
    result.RefreshToken = refreshToken;
    return result;
  }

  #tokens(client: SrpServerClient, user: StoredUser): Record<string, unknown> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.#lifetime;
    const common = { sub: user.sub, iss: this.#issuer, iat, exp, auth_time: iat, origin_jti: randomUUID() };
    const email = user.config.aliases?.find((alias) => alias.includes('@'));
    const idToken = jwt({
      ...common,
      aud: client.clientId,
      token_use: 'id',
      'cognito:username': user.config.username,
      ...(email === undefined ? {} : { email, email_verified: true }),
      jti: randomUUID(),
    });
    const accessToken = jwt({
      ...common,
      client_id: client.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.config.username,
      'cognito:username': user.config.username,
      jti: randomUUID(),
    });
    this.#accessTokens.set(accessToken, { user, expires: exp * 1000 });
    return { IdToken: idToken, AccessToken: accessToken, ExpiresIn: this.#lifetime, TokenType: 'Bearer' };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function record(value: unknown): Params {
  return typeof value === 'object' && value !== null ? (value as Params) : {};
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('InvalidParameterException', `Missing required parameter ${name}`);
  }
  return value;
}

/** A parameter that may be absent; an empty string counts as absent. */
function optional(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A base64 field read as a big-endian integer (ConfirmDevice's salt and verifier); `undefined` when unusable. */
function base64Integer(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 0 ? undefined : BigInt(`0x${bytes.toString('hex')}`);
}

function equalStrings(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${part({ kid: 'cognito-srp-server', alg: 'RS256' })}.${part(payload)}.${randomBytes(64).toString('base64url')}`;
}

// --- SRP, server side (BigInt, independent of src/user/srp.ts) ----------------------------------------------------

const N = BigInt(`0x${getDiffieHellman('modp15').getPrime('hex')}`);
const G = 2n;

/** The minimal two's-complement bytes of a non-negative integer (Java's `BigInteger.toByteArray()`). */
function javaBytes(value: bigint): Buffer {
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  return (bytes[0] as number) >= 0x80 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes;
}

function hashToInt(...parts: Buffer[]): bigint {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return BigInt(`0x${hash.digest('hex')}`);
}

const K = hashToInt(javaBytes(N), javaBytes(G));

function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let power = base % N;
  let rest = exponent;
  while (rest > 0n) {
    if (rest & 1n) result = (result * power) % N;
    power = (power * power) % N;
    rest >>= 1n;
  }
  return result;
}

/** A client's SRP_A, refused when it is not hex or is 0 mod N. */
function publicValue(srpA: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(srpA) || BigInt(`0x${srpA}`) % N === 0n) {
    throw new AwsError('InvalidParameterException', 'SRP_A is not a valid SRP public value.');
  }
  return BigInt(`0x${srpA}`);
}

/** A fresh server secret b and its public B for a verifier, drawn again in the (theoretical) zero cases. */
function serverExchange(verifier: bigint): { b: bigint; B: bigint } {
  let b: bigint;
  let B: bigint;
  do {
    b = BigInt(`0x${randomBytes(128).toString('hex')}`);
    B = srpServerB(verifier, b);
  } while (b === 0n || B === 0n);
  return { b, B };
}

/**
 * The verifier v = g^x a pool stores for a password, x = H(salt | H(poolName username ":" password)).
 *
 * @example
 * ```ts
 * const verifier = srpVerifier(salt, 'Harness1', 'f0e4b3c1-...', 'pw');
 * ```
 */
export function srpVerifier(salt: bigint, poolName: string, username: string, password: string): bigint {
  const inner = createHash('sha256').update(`${poolName}${username}:${password}`, 'utf8').digest();
  return powMod(G, hashToInt(javaBytes(salt), inner));
}

/**
 * The server's public value B = k·v + g^b mod N for a verifier and a secret b.
 *
 * @example
 * ```ts
 * const srpB = srpServerB(verifier, b).toString(16);
 * ```
 */
export function srpServerB(verifier: bigint, b: bigint): bigint {
  return (K * verifier + powMod(G, b)) % N;
}

/** What the server knows when a PASSWORD_VERIFIER answer arrives. */
export interface SrpPasswordClaim {
  readonly poolName: string;
  readonly userIdForSrp: string;
  readonly secretBlock: string;
  readonly timestamp: string;
  readonly srpA: bigint;
  readonly srpB: bigint;
  readonly b: bigint;
  readonly verifier: bigint;
}

/**
 * The PASSWORD_CLAIM_SIGNATURE the server expects, from its own S = (A·v^u)^b; `undefined` when u = 0, which
 * the server refuses.
 *
 * @example
 * ```ts
 * const expected = srpPasswordSignature({ poolName, userIdForSrp, secretBlock, timestamp, srpA, srpB, b, verifier });
 * ```
 */
export function srpPasswordSignature(claim: SrpPasswordClaim): string | undefined {
  const u = hashToInt(javaBytes(claim.srpA), javaBytes(claim.srpB));
  if (u === 0n) return undefined;
  const S = powMod((claim.srpA * powMod(claim.verifier, u)) % N, claim.b);
  const key = derivedKey(javaBytes(S), javaBytes(u));
  return createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(claim.poolName, 'utf8'),
        Buffer.from(claim.userIdForSrp, 'utf8'),
        Buffer.from(claim.secretBlock, 'base64'),
        Buffer.from(claim.timestamp, 'utf8'),
      ]),
    )
    .digest('base64');
}

/** HKDF-SHA256 written out: extract with the u bytes as salt, one expand block, 16 bytes kept. */
function derivedKey(sharedSecret: Buffer, scrambler: Buffer): Buffer {
  const prk = createHmac('sha256', scrambler).update(sharedSecret).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.of(1)]))
    .digest()
    .subarray(0, 16);
}

// --- TOTP (RFC 6238), server side ----------------------------------------------------------------------------------

function base32Bytes(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.toUpperCase().replace(/[\s=]/g, '')]
    .map((symbol) => {
      const value = alphabet.indexOf(symbol);
      if (value < 0) throw new Error('the TOTP secret of a harness user is not base32');
      return value.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes = (bits.match(/.{8}/g) ?? []).map((byte) => Number.parseInt(byte, 2));
  return Buffer.from(bytes);
}

function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[19] as number) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

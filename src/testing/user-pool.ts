/**
 * The user pool behind `startLocalCognito`: Cognito's answers to the operations a token client sends, as AWS
 * JSON 1.1 bodies in and out. The HTTP server, faults and counts are `local-cognito.ts`'s; this file is what
 * Cognito decides.
 *
 * Behaviour follows Cognito where it is documented; where the service is undocumented it picks the strict
 * reading: sessions are single-use and last 3 minutes, an unknown user is `UserNotFoundException`, usernames and
 * aliases match exactly. The SRP and TOTP math (`srp-math.ts`, `totp-codes.ts`) is written apart from the
 * client's in `src/user`, and validated with amazon-cognito-identity-js.
 *
 * @internal
 * @packageDocumentation
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { configurationError } from '../errors.js';
import { N, srpPasswordSignature, srpPublicValue, srpServerExchange, srpVerifier } from './srp-math.js';
import type { TokenSigner } from './token-signer.js';
import { base32Bytes, hotp } from './totp-codes.js';

/** @internal An app client as the pool stores it. Flags as in `ExplicitAuthFlows`. */
export interface PoolClient {
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly explicitAuthFlows: readonly string[];
  /** The first-factor methods USER_AUTH offers (the pool's sign-in options). Default both. */
  readonly userAuthChallenges?: readonly ('PASSWORD' | 'PASSWORD_SRP')[] | undefined;
  /** `AllowedOAuthFlows`: `client_credentials` lets the client use `/oauth2/token`. */
  readonly allowedOAuthFlows?: readonly string[] | undefined;
  /** The custom scopes the client may ask for (`AllowedOAuthScopes`); all of them when it names none. */
  readonly scopes?: readonly string[] | undefined;
  /** Refresh token rotation; off when absent. */
  readonly refreshTokenRotation?: { readonly retryGracePeriodSeconds?: number | undefined } | undefined;
}

/** @internal A user. `username` is the real (sub-like) name; `aliases` are what people type instead (an email). */
export interface PoolUser {
  readonly username: string;
  readonly aliases?: readonly string[] | undefined;
  readonly password: string;
  /** The `email` claim; default the first alias with an `@`. */
  readonly email?: string | undefined;
  /** Base32 TOTP secret, as AssociateSoftwareToken hands out. */
  readonly totpSecret?: string | undefined;
  /** Set to ask for the TOTP code after every password step. */
  readonly mfa?: 'SOFTWARE_TOKEN_MFA' | undefined;
}

/**
 * @internal Device tracking, as a pool's `DeviceConfiguration` sets it. `remember: 'always'` remembers a device
 * once it is confirmed (`DeviceOnlyRememberedOnUserPrompt: false`); `'user-opt-in'` waits for UpdateDeviceStatus
 * `remembered`. `suppressMfa`: a remembered device signs in without the MFA step.
 */
export interface PoolDeviceTracking {
  readonly remember: 'always' | 'user-opt-in';
  readonly suppressMfa?: boolean | undefined;
}

/** @internal Everything the pool is made of. */
export interface PoolConfig {
  /** `<region>_<id>`; the part after `_` is the SRP pool name. */
  readonly userPoolId: string;
  readonly clients: readonly PoolClient[];
  readonly users: readonly PoolUser[];
  /** ID and access token lifetime (`ExpiresIn`). */
  readonly tokenLifetimeSeconds: number;
  readonly devices?: PoolDeviceTracking | undefined;
  /** The `iss` claim; asked for at each token, since the server knows its port only once it listens. */
  readonly issuer: () => string;
  readonly signer: TokenSigner;
  /** The server clock, in epoch milliseconds: token times, TOTP steps, sessions, the SRP TIMESTAMP window. */
  readonly now: () => number;
}

/** @internal A device the pool registered for a user, as tests inspect it. */
export interface PoolDevice {
  readonly key: string;
  readonly groupKey: string;
  readonly confirmed: boolean;
  readonly remembered: boolean;
  /** The `DeviceName` ConfirmDevice gave, if any. */
  readonly name: string | undefined;
}

/** @internal An error answer, as AWS JSON carries it in `__type` and `message`. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** @internal An OAuth2 error answer of `/oauth2/token`. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
  ) {
    super(error);
  }
}

/** @internal What the HTTP layer knows of a request beyond its body. */
export interface RequestContext {
  /** Whether it carries a SigV4 `Authorization` header (its signature is not checked). */
  readonly signed: boolean;
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
  readonly config: PoolUser;
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
  /** The sign-in's claims, which renewed tokens keep. */
  readonly origin: TokenOrigin;
  /** With rotation: when this token was replaced; it still works for the client's grace period after that. */
  rotatedAt?: number;
}

/** What every token of one sign-in shares: `auth_time`, `origin_jti`, `event_id`. */
interface TokenOrigin {
  readonly authTime: number;
  readonly originJti: string;
  readonly eventId: string;
}

type Params = Record<string, unknown>;

/** @internal The pool's state and its answer to each operation. */
export class UserPool {
  readonly #poolName: string;
  readonly #region: string;
  readonly #userPoolId: string;
  readonly #issuer: () => string;
  readonly #lifetime: number;
  readonly #signer: TokenSigner;
  readonly #now: () => number;
  readonly #tracking: PoolDeviceTracking | undefined;
  readonly #clients = new Map<string, PoolClient>();
  readonly #users = new Map<string, StoredUser>();
  readonly #sessions = new Map<string, Session>();
  readonly #refreshTokens = new Map<string, IssuedRefreshToken>();
  readonly #accessTokens = new Map<string, { user: StoredUser; expires: number }>();

  constructor(pool: PoolConfig) {
    const match = /^([\w-]+)_([0-9a-zA-Z]+)$/.exec(pool.userPoolId);
    if (!match)
      throw configurationError('userPoolId', 'must look like "<region>_<id>", for example "eu-west-1_Local1"');
    this.#region = match[1] as string;
    this.#poolName = match[2] as string;
    this.#userPoolId = pool.userPoolId;
    this.#issuer = pool.issuer;
    this.#lifetime = pool.tokenLifetimeSeconds;
    this.#signer = pool.signer;
    this.#now = pool.now;
    this.#tracking = pool.devices;
    for (const client of pool.clients) {
      if (this.#clients.has(client.clientId)) {
        throw configurationError('clients', `name the client "${client.clientId}" twice`);
      }
      this.#clients.set(client.clientId, client);
    }
    for (const config of pool.users) {
      if (config.totpSecret !== undefined) {
        try {
          base32Bytes(config.totpSecret);
        } catch {
          // The secret itself stays out of the message.
          throw configurationError('users', `has a "totpSecret" that is not base32 (user "${config.username}")`);
        }
      }
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
        if (this.#users.has(name)) throw configurationError('users', `use the name or alias "${name}" twice`);
        this.#users.set(name, user);
      }
    }
  }

  now(): number {
    return this.#now();
  }

  /** The answer to one operation, or `undefined` for an operation this server does not implement. */
  dispatch(operation: string, body: Params, context: RequestContext): unknown {
    switch (operation) {
      case 'InitiateAuth':
        return this.initiateAuth(body);
      case 'RespondToAuthChallenge':
        return this.respondToAuthChallenge(body);
      case 'GetTokensFromRefreshToken':
        return this.getTokensFromRefreshToken(body);
      case 'AdminInitiateAuth':
        return this.adminInitiateAuth(body, context);
      case 'AdminRespondToAuthChallenge':
        return this.adminRespondToAuthChallenge(body, context);
      case 'GetClientToken':
        return this.getClientToken(body, context);
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

  devicesOf(username: string): PoolDevice[] {
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
    if (flag === 'ALLOW_REFRESH_TOKEN_AUTH') return this.#refreshTokenAuth(client, params);

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
    return this.#renew(client, refreshToken, body.DeviceKey, client.refreshTokenRotation !== undefined, () => {
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

  /**
   * AdminInitiateAuth: IAM-signed (the signature's presence is checked, not its math), for the pool named by
   * `UserPoolId`. ADMIN_USER_PASSWORD_AUTH needs ALLOW_ADMIN_USER_PASSWORD_AUTH; REFRESH_TOKEN_AUTH renews.
   */
  adminInitiateAuth(body: Params, context: RequestContext): unknown {
    this.#checkAdmin(body, context);
    const client = this.#client(body.ClientId);
    const flow = String(body.AuthFlow ?? '');
    const params = record(body.AuthParameters);
    const flag = flow === 'ADMIN_USER_PASSWORD_AUTH' ? 'ALLOW_ADMIN_USER_PASSWORD_AUTH' : FLOW_FLAGS[flow];
    if (
      (flag !== 'ALLOW_ADMIN_USER_PASSWORD_AUTH' && flag !== 'ALLOW_REFRESH_TOKEN_AUTH') ||
      !client.explicitAuthFlows.includes(flag)
    ) {
      // The admin variant's wording, which differs from InitiateAuth's.
      throw new AwsError('InvalidParameterException', 'Auth flow not enabled for this client');
    }
    if (flag === 'ALLOW_REFRESH_TOKEN_AUTH') return this.#refreshTokenAuth(client, params);
    const typed = required(params, 'USERNAME');
    this.#checkSecretHash(client, typed, params.SECRET_HASH);
    const user = this.#user(typed);
    return this.#passwordSignIn(client, user, required(params, 'PASSWORD'), flow, optional(params, 'DEVICE_KEY'));
  }

  /** AdminRespondToAuthChallenge: RespondToAuthChallenge, signed and for the named pool. */
  adminRespondToAuthChallenge(body: Params, context: RequestContext): unknown {
    this.#checkAdmin(body, context);
    return this.respondToAuthChallenge(body);
  }

  /**
   * GetClientToken (M2M): IAM-signed, for a client with a secret and ALLOW_CLIENT_TOKEN_AUTH. An access token
   * only, with the scopes asked for, or all the client's scopes when none are.
   */
  getClientToken(body: Params, context: RequestContext): unknown {
    this.#checkSigned(context);
    const client = this.#client(body.ClientId);
    if (client.clientSecret === undefined || !equalStrings(String(body.Secret ?? ''), client.clientSecret)) {
      throw new AwsError('NotAuthorizedException', `Unable to verify secret for client ${client.clientId}`);
    }
    if (!client.explicitAuthFlows.includes('ALLOW_CLIENT_TOKEN_AUTH')) {
      throw new AwsError('InvalidParameterException', 'CLIENT_TOKEN_AUTH flow not enabled for this client');
    }
    const asked = Array.isArray(body.Scopes) ? body.Scopes.map(String) : [];
    const scopes = this.#grantedScopes(client, asked);
    if (scopes === undefined) throw new AwsError('InvalidParameterException', 'Invalid scope requested');
    return {
      ClientAuthenticationResult: {
        AccessToken: this.#clientToken(client, scopes),
        ExpiresIn: this.#lifetime,
        TokenType: 'Bearer',
      },
    };
  }

  /**
   * `POST /oauth2/token` with `grant_type=client_credentials` and HTTP Basic client authentication, for a client
   * with a secret and the `client_credentials` OAuth flow. Answers with the token endpoint's JSON.
   */
  oauth2Token(authorization: string | undefined, form: URLSearchParams): Record<string, unknown> {
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
    const decoded = basic === null ? '' : Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = decodeForm(decoded.slice(0, Math.max(colon, 0)));
    const secret = decodeForm(decoded.slice(colon + 1));
    const client = this.#clients.get(clientId);
    if (colon < 0 || client?.clientSecret === undefined || !equalStrings(secret, client.clientSecret)) {
      throw new OAuthError('invalid_client', 401);
    }
    if (form.get('grant_type') !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 400);
    if (!(client.allowedOAuthFlows ?? []).includes('client_credentials')) {
      throw new OAuthError('unauthorized_client', 400);
    }
    const asked = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    const scopes = this.#grantedScopes(client, asked);
    if (scopes === undefined) throw new OAuthError('invalid_scope', 400);
    return { access_token: this.#clientToken(client, scopes), expires_in: this.#lifetime, token_type: 'Bearer' };
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

  #client(clientId: unknown): PoolClient {
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

  #checkSecretHash(client: PoolClient, username: string, given: unknown): void {
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
  #takeSession(id: unknown, client: PoolClient, challengeName: string): Session {
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
    client: PoolClient,
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
  #afterPassword(client: PoolClient, user: StoredUser, flow: string, deviceKey: string | undefined): unknown {
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

  #afterMfa(client: PoolClient, user: StoredUser, signIn: SignInContext): unknown {
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

  #deviceSrpAuth(client: PoolClient, user: StoredUser, signIn: SignInContext): unknown {
    return {
      ChallengeName: 'DEVICE_SRP_AUTH',
      Session: this.#newSession({ kind: 'DEVICE_SRP_AUTH', user, clientId: client.clientId, signIn }),
      ChallengeParameters: { USERNAME: user.config.username },
    };
  }

  #srpChallenge(
    client: PoolClient,
    user: StoredUser,
    srpA: string,
    flow: string,
    deviceKey: string | undefined,
  ): unknown {
    const A = srpPublicValue(srpA);
    if (A === undefined) throw new AwsError('InvalidParameterException', 'SRP_A is not a valid SRP public value.');
    const { b, B } = srpServerExchange(user.verifier);
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
    client: PoolClient,
    user: StoredUser,
    signIn: SignInContext & { readonly device: StoredDevice },
    srpA: string,
  ): unknown {
    const A = srpPublicValue(srpA);
    if (A === undefined) throw new AwsError('InvalidParameterException', 'SRP_A is not a valid SRP public value.');
    const { b, B } = srpServerExchange(signIn.device.verifier as bigint);
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
      // Against the server clock, or the real one: a client whose clock was not advanced with the server's
      // still signs in (TOTP codes, by contrast, follow the server clock alone).
      (Math.abs(instant.getTime() - this.now()) <= TIMESTAMP_SKEW_MS ||
        Math.abs(instant.getTime() - Date.now()) <= TIMESTAMP_SKEW_MS)
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

  /** REFRESH_TOKEN_AUTH (InitiateAuth or AdminInitiateAuth): refused by a client that rotates refresh tokens. */
  #refreshTokenAuth(client: PoolClient, params: Params): unknown {
    if (client.refreshTokenRotation !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        'Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken',
      );
    }
    const refreshToken = required(params, 'REFRESH_TOKEN');
    return this.#renew(client, refreshToken, params.DEVICE_KEY, false, (user) =>
      this.#checkSecretHash(client, user.config.username, params.SECRET_HASH),
    );
  }

  /**
   * REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken. With device tracking, Cognito renews only for the device the
   * sign-in was for, once confirmed, named by its key; and never tokens from USER_PASSWORD_AUTH. With rotation, a
   * new refresh token replaces the one sent, which keeps working for the client's grace period (default 0 s).
   */
  #renew(
    client: PoolClient,
    refreshToken: string,
    deviceKey: unknown,
    rotate: boolean,
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
    const grace = (client.refreshTokenRotation?.retryGracePeriodSeconds ?? 0) * 1000;
    if (stored.rotatedAt !== undefined && this.now() - stored.rotatedAt >= grace) {
      throw new AwsError('RefreshTokenReuseException', 'Refresh token has already been used');
    }
    const result = this.#tokens(client, stored.user, stored.origin);
    if (rotate) {
      stored.rotatedAt ??= this.now();
      result.RefreshToken = this.#newRefreshToken({ ...stored, rotatedAt: undefined });
    }
    return { ChallengeParameters: {}, AuthenticationResult: result };
  }

  #newRefreshToken(issued: IssuedRefreshToken): string {
    // Opaque, like the encrypted tokens real Cognito issues: clients must not decode them.
    const refreshToken = randomBytes(120).toString('base64url');
    this.#refreshTokens.set(refreshToken, { ...issued });
    return refreshToken;
  }

  /** The scopes to grant: those asked for when the client may have them all, else all of the client's. */
  #grantedScopes(client: PoolClient, asked: readonly string[]): readonly string[] | undefined {
    const allowed = client.scopes ?? [];
    if (asked.length === 0) return allowed;
    return asked.every((scope) => allowed.includes(scope)) ? asked : undefined;
  }

  #clientToken(client: PoolClient, scopes: readonly string[]): string {
    const iat = Math.floor(this.now() / 1000);
    return this.#signer.sign({
      sub: client.clientId,
      token_use: 'access',
      scope: scopes.join(' '),
      auth_time: iat,
      iss: this.#issuer(),
      exp: iat + this.#lifetime,
      iat,
      version: 2,
      jti: randomUUID(),
      client_id: client.clientId,
    });
  }

  #checkSigned(context: RequestContext): void {
    if (!context.signed) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }

  #checkAdmin(body: Params, context: RequestContext): void {
    this.#checkSigned(context);
    if (body.UserPoolId !== this.#userPoolId) {
      throw new AwsError('ResourceNotFoundException', `User pool ${String(body.UserPoolId)} does not exist.`);
    }
  }

  /**
   * The tokens of a completed sign-in, with a refresh token. A device-tracking pool registers a new device for a
   * sign-in that did not prove one, and hands it out as NewDeviceMetadata.
   */
  #signedIn(client: PoolClient, user: StoredUser, signIn: SignInContext): Record<string, unknown> {
    const origin: TokenOrigin = {
      authTime: Math.floor(this.now() / 1000),
      originJti: randomUUID(),
      eventId: randomUUID(),
    };
    const result = this.#tokens(client, user, origin);
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
    result.RefreshToken = this.#newRefreshToken({
      user,
      clientId: client.clientId,
      flow: signIn.flow,
      deviceKey,
      origin,
    });
    return result;
  }

  /** An ID and an access token, RS256-signed, with the claims Cognito puts in them. */
  #tokens(client: PoolClient, user: StoredUser, origin: TokenOrigin): Record<string, unknown> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.#lifetime;
    const common = {
      sub: user.sub,
      iss: this.#issuer(),
      origin_jti: origin.originJti,
      event_id: origin.eventId,
      auth_time: origin.authTime,
      exp,
      iat,
    };
    const email = user.config.email ?? user.config.aliases?.find((alias) => alias.includes('@'));
    const idToken = this.#signer.sign({
      ...common,
      aud: client.clientId,
      token_use: 'id',
      'cognito:username': user.config.username,
      ...(email === undefined ? {} : { email, email_verified: true }),
      jti: randomUUID(),
    });
    const accessToken = this.#signer.sign({
      ...common,
      client_id: client.clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: user.config.username,
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

/** One half of a Basic credential, form-decoded as RFC 6749 asks (`+` is a space). */
function decodeForm(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function equalStrings(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

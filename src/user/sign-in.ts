import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  type AuthenticationResultType,
  type AuthFlowType,
  type ChallengeNameType,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type CognitoRequestContext, sendWithRetries } from '../aws/cognito-request.js';
import { awsCredentialsMissingAdvice, isAwsCredentialsMissing } from '../core/aws-credentials-missing.js';
import { errorName } from '../core/failure.js';
import { logEvent, logWarning } from '../core/logger.js';
import { describeCause } from '../core/redaction.js';
import type { RememberedDevice, UserCredentials } from '../credentials/credentials.js';
import { ChallengeRequiredError, CognitoTokenError } from '../errors.js';
import { confirmNewDevice } from './device.js';
import type { SignInFlow } from './options.js';
import { computeSecretHash } from './secret-hash.js';
import { type SrpSession, startSrp } from './srp.js';
import { timeStepAt, totpCode } from './totp.js';

/** What the user provider's Cognito calls share beyond the common context. */
export interface UserRequestContext extends CognitoRequestContext {
  /** Forwarded as ClientMetadata to every call that takes it, for the user pool's Lambda triggers. */
  readonly clientMetadata: Readonly<Record<string, string>> | undefined;
}

/** The credentials a sign-in uses: a TOTP secret answers SOFTWARE_TOKEN_MFA, a device DEVICE_SRP_AUTH. */
export type SignInCredentials = UserCredentials & { readonly totpSecret?: string | undefined };

/** What a sign-in ends with: Cognito's AuthenticationResult, and the device the tokens were issued for. */
export interface SignedIn extends AuthenticationResultType {
  /**
   * In a pool that tracks devices, the device this sign-in was for: `credentials.device`, or the new device it
   * confirmed. Renewals must name its key. `undefined` otherwise.
   */
  readonly device?: RememberedDevice | undefined;
}

/** How a {@link SignIn} treats the new device a sign-in brings (NewDeviceMetadata). */
export interface SignInOptions {
  /** The `DeviceName` ConfirmDevice gives new devices, which the user pool console shows. */
  readonly deviceName?: string;
  /**
   * `true` when the device is what the caller wants (`cognito-token device remember`): it is confirmed whatever
   * the flow, and a failed ConfirmDevice fails the sign-in. Default `false`, for tokens: a failed ConfirmDevice
   * still serves them, without their refresh token, which Cognito would not renew; and `user-password`
   * confirms nothing, since Cognito renews none of its tokens in such a pool.
   */
  readonly requireConfirmedDevice?: boolean;
  /**
   * `true` when the flow is `'user-password'` only because the caller left `flow` unset: an app client that
   * refuses USER_PASSWORD_AUTH is then signed in with USER_SRP_AUTH, when the user pool ID is known. Default
   * `false`: a flow the caller chose never changes.
   */
  readonly switchToSrpWhenRefused?: boolean;
}

/**
 * The app clients (user pool ID and client ID) that refused USER_PASSWORD_AUTH to a sign-in on the default flow,
 * for the life of the process. The refusal is a fact about the app client, not about one provider: a process
 * that makes a provider per user or per tenant on one client would otherwise send a refused request, and log
 * the warning, once for each. Keys come from configuration, not from answers, so the set stays small.
 */
const CLIENTS_REFUSING_PASSWORD_FLOW = new Set<string>();

const clientKey = (userPoolId: string, clientId: string) => `${userPoolId}/${clientId}`;

// Rejections that mean "this user gets no tokens", as opposed to a misconfigured pool or client (a WAF block,
// ForbiddenException, is the pool's setup). cognito-local answers a wrong password with
// InvalidPasswordException; Cognito uses NotAuthorizedException.
const AUTHENTICATION_FAILURE =
  /^(NotAuthorized|UserNotFound|UserNotConfirmed|PasswordResetRequired|InvalidPassword|UserLambdaValidation)Exception$/;

// Cognito's words for an auth flow the app client does not allow: `USER_PASSWORD_AUTH flow not enabled for this
// client`, and for the admin flow `Auth flow not enabled for this client`.
const FLOW_NOT_ENABLED = /flow not enabled for this client/i;

/** What to try instead when the app client refuses a flow: the `flow` value, and the app-client setting. */
const FLOW_ADVICE: Readonly<Record<SignInFlow, string>> = {
  'user-password':
    "set flow: 'user-srp' (needs userPoolId) or 'user-auth', or enable ALLOW_USER_PASSWORD_AUTH on the app client",
  'user-srp': "set flow: 'user-auth' or 'user-password', or enable ALLOW_USER_SRP_AUTH on the app client",
  'user-auth':
    "set flow: 'user-srp' (needs userPoolId) or 'user-password', or enable ALLOW_USER_AUTH on the app client " +
    '(choice-based sign-in needs the Essentials tier or higher)',
  'admin-user-password':
    "set flow: 'user-srp' (needs userPoolId) or 'user-password', or enable ALLOW_ADMIN_USER_PASSWORD_AUTH on the " +
    'app client',
};

// A service account answers at most: SELECT_CHALLENGE, PASSWORD_VERIFIER, SOFTWARE_TOKEN_MFA, DEVICE_SRP_AUTH and
// DEVICE_PASSWORD_VERIFIER. More rounds than that mean a pool asking for something we cannot give, not a reason
// to keep answering.
const MAX_CHALLENGE_ROUNDS = 5;
const DEFAULT_DEVICE_NAME = 'cognito-token-provider';
const TOTP_STEP_MS = 30_000;
// The request that carries a TOTP code needs time of its own after the wait for a fresh step.
const TOTP_REQUEST_ALLOWANCE_MS = 1_000;
// A sign-in started again for a step another sign-in left free sends two or three requests before the code.
const TOTP_RESTART_ALLOWANCE_MS = 2_000;
// What Cognito is understood to say when another sign-in used the step's code ("Your software token has already
// been used once."); CodeMismatchException, its other answer to a used code, is also its answer to a wrong one.
const CODE_ALREADY_USED = /already (been )?used/i;

/** The last TOTP step known used for a user: by this provider, or, as Cognito's refusals showed, elsewhere. */
interface UsedTotpStep {
  readonly step: number;
  readonly takenElsewhere: boolean;
}

/**
 * Thrown inside a sign-in, never out of it, when other sign-ins of the user took the TOTP steps in reach: the
 * sign-in starts again with a new session for the next free step, so that no session carries more refused codes
 * than the two a clock a step off already needs.
 */
class TotpStepsTaken extends Error {
  override readonly name = 'TotpStepsTaken';
}

/**
 * Sends InitiateAuth (unsigned) or, for the admin flow, AdminInitiateAuth (IAM-signed), adding SECRET_HASH
 * over `hashUsername` exactly when there is a client secret.
 */
export function initiateAuth(
  context: UserRequestContext,
  flow: SignInFlow,
  authFlow: AuthFlowType,
  parameters: Record<string, string>,
  hashUsername: string,
  clientSecret: string | undefined,
): Promise<InitiateAuthCommandOutput> {
  const { clientId, userPoolId, clientMetadata } = context;
  const AuthParameters = withSecretHash(parameters, hashUsername, clientId, clientSecret);
  const secrets = [...secretValuesOf(AuthParameters), clientSecret];
  const ClientMetadata = clientMetadata === undefined ? undefined : { ...clientMetadata };
  return flow === 'admin-user-password'
    ? sendWithRetries(
        context,
        'AdminInitiateAuth',
        () =>
          new AdminInitiateAuthCommand({
            UserPoolId: userPoolId,
            ClientId: clientId,
            AuthFlow: authFlow === 'USER_PASSWORD_AUTH' ? 'ADMIN_USER_PASSWORD_AUTH' : authFlow,
            AuthParameters,
            ClientMetadata,
          }),
        secrets,
      )
    : sendWithRetries(
        context,
        'InitiateAuth',
        () => new InitiateAuthCommand({ ClientId: clientId, AuthFlow: authFlow, AuthParameters, ClientMetadata }),
        secrets,
      );
}

// What a request may name in the clear: who signs in, and which method they chose. Every other value is secret.
const PUBLIC_PARAMETERS: ReadonlySet<string> = new Set(['USERNAME', 'ANSWER', 'PREFERRED_CHALLENGE']);

/**
 * The values of AuthParameters or ChallengeResponses that must not reach a message: all but those named in
 * PUBLIC_PARAMETERS, so the password, SECRET_HASH, SRP_A, the SRP proof (PASSWORD_CLAIM_SECRET_BLOCK,
 * PASSWORD_CLAIM_SIGNATURE and the TIMESTAMP it signs), a TOTP code or a refresh token, and whatever a later
 * flow adds, are cut out of anything a service echoes back.
 */
function secretValuesOf(parameters: Readonly<Record<string, string>>): string[] {
  return Object.entries(parameters)
    .filter(([name]) => !PUBLIC_PARAMETERS.has(name))
    .map(([, value]) => value);
}

function withSecretHash(
  parameters: Record<string, string>,
  hashUsername: string,
  clientId: string,
  clientSecret: string | undefined,
): Record<string, string> {
  return clientSecret
    ? { ...parameters, SECRET_HASH: computeSecretHash(hashUsername, clientId, clientSecret) }
    : parameters;
}

/**
 * Signs a user in by the provider's `flow`, answering the challenges a service account can answer unattended:
 * SELECT_CHALLENGE (choice-based sign-in), PASSWORD_VERIFIER (SRP), SOFTWARE_TOKEN_MFA (with a TOTP secret), and
 * DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER (with a remembered device). Any other challenge fails with
 * {@link ChallengeRequiredError}. In a pool that tracks devices it confirms the new device a sign-in brings
 * (NewDeviceMetadata), so that the tokens can be renewed.
 *
 * One per provider: it remembers the last TOTP time step used for each user, because Cognito refuses a code
 * whose step was used before, so a second sign-in within one 30-second step must wait for the next. Several
 * instances signing in as one MFA user at once share those steps too: one that finds its steps taken waits for
 * a free one within `timeoutMs`.
 */
export class SignIn {
  /** The flow of the current sign-in: the configured one, or `'user-srp'` once the default one was refused. */
  #flow: SignInFlow;
  readonly #configuredFlow: SignInFlow;
  /** The part of the user pool ID after `_`, which SRP hashes; `undefined` without a user pool ID. */
  readonly #poolName: string | undefined;
  readonly #usedTotpStep = new Map<string, UsedTotpStep>();
  readonly #options: SignInOptions;
  /** The `user-password` warning is given once per provider, not at every renewal. */
  #warnedPasswordFlow = false;

  constructor(flow: SignInFlow, userPoolId: string | undefined, options: SignInOptions = {}) {
    this.#flow = flow;
    this.#configuredFlow = flow;
    this.#poolName = userPoolId?.slice(userPoolId.indexOf('_') + 1);
    this.#options = options;
  }

  /** The flow the last sign-in used: the configured one, or `'user-srp'` after the default one was refused. */
  get flow(): SignInFlow {
    return this.#flow;
  }

  /** Signs in; every failure is a {@link CognitoTokenError}. */
  async signIn(context: UserRequestContext, credentials: SignInCredentials): Promise<SignedIn> {
    const deviceSent = credentials.device !== undefined;
    const canSwitch = this.#canSwitchToSrp();
    this.#flow =
      canSwitch && CLIENTS_REFUSING_PASSWORD_FLOW.has(clientKey(context.userPoolId ?? '', context.clientId))
        ? 'user-srp'
        : this.#configuredFlow;
    try {
      return await this.#signInRestartingForTotp(context, credentials);
    } catch (error) {
      if (!(canSwitch && this.#flow === 'user-password' && isFlowNotEnabled(error))) {
        throw signInFailure(error, this.#flow, deviceSent, false);
      }
    }
    this.#switchToSrp(context);
    try {
      return await this.#signInRestartingForTotp(context, credentials);
    } catch (error) {
      throw signInFailure(error, this.#flow, deviceSent, true);
    }
  }

  /** Whether a refusal of the default flow may switch this sign-in to SRP: the flow was not chosen, SRP can run. */
  #canSwitchToSrp(): boolean {
    return (
      this.#options.switchToSrpWhenRefused === true &&
      this.#configuredFlow === 'user-password' &&
      this.#poolName !== undefined
    );
  }

  /** Remembers, for the process, that the app client refuses the default flow, and says so once. */
  #switchToSrp(context: UserRequestContext): void {
    this.#flow = 'user-srp';
    const key = clientKey(context.userPoolId ?? '', context.clientId);
    if (CLIENTS_REFUSING_PASSWORD_FLOW.has(key)) return;
    CLIENTS_REFUSING_PASSWORD_FLOW.add(key);
    logWarning(
      context.logger,
      'cognito-token-provider: the app client does not allow USER_PASSWORD_AUTH, the default flow, so this ' +
        "process signs in with USER_SRP_AUTH instead. Set flow: 'user-srp' to skip the refused request, or enable " +
        "ALLOW_USER_PASSWORD_AUTH on the app client and set flow: 'user-password'",
      { flow: 'user-srp', refusedFlow: 'user-password', fix: "flow: 'user-srp'" },
    );
  }

  async #signInRestartingForTotp(context: UserRequestContext, credentials: SignInCredentials): Promise<SignedIn> {
    // Each new start follows a wait for a later TOTP step, so the deadline bounds the loop.
    for (;;) {
      try {
        return await this.#signIn(context, credentials);
      } catch (error) {
        if (!(error instanceof TotpStepsTaken)) throw error;
      }
    }
  }

  async #signIn(context: UserRequestContext, credentials: SignInCredentials): Promise<SignedIn> {
    const { username, password, clientSecret, device } = credentials;
    const attempt: Attempt = { srp: this.#usesSrp() ? startSrp() : undefined, userId: undefined, deviceSrp: undefined };
    const { srp } = attempt;
    // A remembered device is named from the start: Cognito then proves it rather than registering a new one.
    const deviceKey: Record<string, string> = device === undefined ? {} : { DEVICE_KEY: device.key };
    let response: ChallengeAnswer;
    if (this.#flow === 'user-srp') {
      response = await initiateAuth(
        context,
        this.#flow,
        'USER_SRP_AUTH',
        { USERNAME: username, SRP_A: (srp as SrpSession).srpA, ...deviceKey },
        username,
        clientSecret,
      );
    } else if (this.#flow === 'user-auth') {
      const parameters: Record<string, string> =
        srp === undefined
          ? { USERNAME: username, PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: password, ...deviceKey }
          : { USERNAME: username, PREFERRED_CHALLENGE: 'PASSWORD_SRP', SRP_A: srp.srpA, ...deviceKey };
      response = await initiateAuth(context, this.#flow, 'USER_AUTH', parameters, username, clientSecret);
    } else {
      response = await initiateAuth(
        context,
        this.#flow,
        'USER_PASSWORD_AUTH',
        { USERNAME: username, PASSWORD: password, ...deviceKey },
        username,
        clientSecret,
      );
    }
    for (let round = 0; response.ChallengeName; round++) {
      if (round >= MAX_CHALLENGE_ROUNDS) throw challengeRequired(response.ChallengeName);
      response = await this.#answer(context, response, credentials, attempt);
    }
    return this.#withDevice(context, response.AuthenticationResult ?? {}, credentials);
  }

  /**
   * The device the tokens were issued for. A new one (NewDeviceMetadata) is confirmed first: Cognito renews
   * tokens only for a confirmed device. USER_PASSWORD_AUTH's tokens are never renewed in a pool that tracks
   * devices, whatever the device, so they come without their refresh token: each renewal is a sign-in.
   */
  async #withDevice(
    context: UserRequestContext,
    result: AuthenticationResultType,
    credentials: SignInCredentials,
  ): Promise<SignedIn> {
    const metadata = result.NewDeviceMetadata;
    const tracksDevices = metadata !== undefined || credentials.device !== undefined;
    if (this.#flow === 'user-password' && tracksDevices && !this.#options.requireConfirmedDevice) {
      this.#warnAboutPasswordFlow(context);
      return { ...result, RefreshToken: undefined };
    }
    if (metadata === undefined) return { ...result, device: credentials.device };
    try {
      const device = await confirmNewDevice(
        context,
        result.AccessToken ?? '',
        metadata,
        this.#options.deviceName ?? DEFAULT_DEVICE_NAME,
      );
      return { ...result, device };
    } catch (error) {
      if (this.#options.requireConfirmedDevice) throw error;
      logEvent(context.logger, 'cognito-token-provider: could not confirm the new device; renewals will sign in', {
        error: errorName(error),
      });
      return { ...result, RefreshToken: undefined };
    }
  }

  #warnAboutPasswordFlow(context: UserRequestContext): void {
    if (this.#warnedPasswordFlow) return;
    this.#warnedPasswordFlow = true;
    logWarning(
      context.logger,
      'cognito-token-provider: the user pool tracks devices, and Cognito does not renew tokens from ' +
        "USER_PASSWORD_AUTH there: every renewal signs in again. Set flow: 'user-srp' (with userPoolId) to renew " +
        'with the refresh token',
      { flow: this.#flow, fix: "flow: 'user-srp'" },
    );
  }

  /** SRP when the flow asks for it; USER_AUTH prefers it whenever the user pool ID (SRP needs it) is known. */
  #usesSrp(): boolean {
    return this.#flow === 'user-srp' || (this.#flow === 'user-auth' && this.#poolName !== undefined);
  }

  async #answer(
    context: UserRequestContext,
    challenge: ChallengeAnswer,
    credentials: SignInCredentials,
    attempt: Attempt,
  ): Promise<ChallengeAnswer> {
    const name = challenge.ChallengeName as ChallengeNameType;
    const parameters = challenge.ChallengeParameters ?? {};
    const { username, password, device } = credentials;
    const { srp } = attempt;
    if (name === 'SELECT_CHALLENGE') {
      // A list that is not one offers nothing: a string would otherwise match by substring.
      const available = Array.isArray(challenge.AvailableChallenges) ? challenge.AvailableChallenges : [];
      if (srp !== undefined && available.includes('PASSWORD_SRP')) {
        return this.#respond(
          context,
          challenge,
          { ANSWER: 'PASSWORD_SRP', USERNAME: username, SRP_A: srp.srpA },
          credentials,
        );
      }
      if (available.includes('PASSWORD')) {
        return this.#respond(
          context,
          challenge,
          { ANSWER: 'PASSWORD', USERNAME: username, PASSWORD: password },
          credentials,
        );
      }
      throw new ChallengeRequiredError(
        name,
        `Cognito offered none of the sign-in methods a service account can use (PASSWORD${
          this.#poolName === undefined ? '' : ', PASSWORD_SRP'
        }); enable password sign-in for the user pool's choice-based sign-in`,
      );
    }
    if (name === 'PASSWORD_VERIFIER' && srp !== undefined && this.#poolName !== undefined) {
      // The real username, a UUID when the user typed an email alias: Cognito signs and hashes against it.
      const userIdForSrp = parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username;
      attempt.userId = userIdForSrp;
      const poolName = this.#poolName;
      const proof = passwordClaim(srp, parameters, userIdForSrp, { poolName, userIdForSrp, password });
      return this.#respond(context, challenge, proof, credentials);
    }
    if (name === 'SOFTWARE_TOKEN_MFA' && credentials.totpSecret !== undefined) {
      return this.#answerTotp(context, challenge, credentials, credentials.totpSecret);
    }
    if (name === 'DEVICE_SRP_AUTH' && device !== undefined) {
      // The device's own SRP exchange, with a fresh private exponent of its own.
      attempt.deviceSrp = startSrp();
      return this.#respond(
        context,
        challenge,
        { USERNAME: realUsername(parameters, attempt, username), SRP_A: attempt.deviceSrp.srpA },
        credentials,
      );
    }
    if (name === 'DEVICE_PASSWORD_VERIFIER' && device !== undefined && attempt.deviceSrp !== undefined) {
      // The user's proof with the device group key for the pool name, the device key for the user, and the
      // device password.
      const proof = passwordClaim(attempt.deviceSrp, parameters, realUsername(parameters, attempt, username), {
        poolName: device.groupKey,
        userIdForSrp: device.key,
        password: device.password,
      });
      return this.#respond(context, challenge, proof, credentials);
    }
    throw challengeRequired(name);
  }

  /**
   * Answers SOFTWARE_TOKEN_MFA with the code of a time step not known to be used for the user, waiting for the
   * next step when the current one is used up. A refused code is tried once more with the next step's code,
   * which covers a local clock a step behind Cognito's and another sign-in that took the current step. When
   * that one is refused too, other sign-ins of the user (instances of a fleet starting together) took both:
   * wait for the step after them and sign in again, within the budget, or fail with `ERR_UNAVAILABLE`.
   * Credentials are not reloaded for it: nothing says they changed.
   */
  async #answerTotp(
    context: UserRequestContext,
    challenge: ChallengeAnswer,
    credentials: SignInCredentials,
    totpSecret: string,
  ): Promise<ChallengeAnswer> {
    // The real username once Cognito knows it (USER_ID_FOR_SRP after an alias): SECRET_HASH is over it.
    const parameters = challenge.ChallengeParameters ?? {};
    const username = parameters.USERNAME ?? parameters.USER_ID_FOR_SRP ?? credentials.username;
    let step = timeStepAt(Date.now());
    const used = this.#usedTotpStep.get(username);
    if (used !== undefined && step <= used.step) {
      const waitMs = (used.step + 1) * TOTP_STEP_MS - Date.now();
      if (waitMs + TOTP_REQUEST_ALLOWANCE_MS > context.deadline.remainingMs()) {
        if (used.takenElsewhere) throw totpStepTaken(waitMs, undefined);
        throw new ChallengeRequiredError(
          'SOFTWARE_TOKEN_MFA',
          `The TOTP code of the current 30-second step was used by the previous sign-in, and Cognito refuses a ` +
            `code twice; the next step starts in ${Math.ceil(waitMs / 1000)} s, beyond timeoutMs. Raise timeoutMs ` +
            'above 31000, or call again after the next step starts',
        );
      }
      await context.deadline.sleep(waitMs);
      step = used.step + 1;
    }
    let refusal: unknown;
    for (const candidate of [step, step + 1]) {
      const code = totpCode(totpSecret, candidate);
      try {
        const answer = await this.#respond(
          context,
          challenge,
          { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
          credentials,
        );
        this.#usedTotpStep.set(username, { step: candidate, takenElsewhere: false });
        return answer;
      } catch (error) {
        if (!isCodeTaken(error)) throw error;
        refusal = error;
      }
    }
    this.#usedTotpStep.set(username, { step: step + 1, takenElsewhere: true });
    const waitMs = (step + 2) * TOTP_STEP_MS - Date.now();
    if (waitMs + TOTP_RESTART_ALLOWANCE_MS > context.deadline.remainingMs()) throw totpStepTaken(waitMs, refusal);
    if (waitMs > 0) await context.deadline.sleep(waitMs);
    throw new TotpStepsTaken();
  }

  /** RespondToAuthChallenge (or the admin form), with SECRET_HASH over the username the response names. */
  #respond(
    context: UserRequestContext,
    challenge: ChallengeAnswer,
    responses: Record<string, string>,
    credentials: SignInCredentials,
  ): Promise<ChallengeAnswer> {
    const { clientId, userPoolId, clientMetadata } = context;
    const { password, clientSecret, totpSecret, device } = credentials;
    // Every answer names the device, as Cognito asks of device authentication.
    const ChallengeResponses = withSecretHash(
      device === undefined ? responses : { ...responses, DEVICE_KEY: device.key },
      responses.USERNAME ?? credentials.username,
      clientId,
      clientSecret,
    );
    const input = {
      ClientId: clientId,
      ChallengeName: challenge.ChallengeName,
      Session: challenge.Session,
      ChallengeResponses,
      ClientMetadata: clientMetadata === undefined ? undefined : { ...clientMetadata },
    };
    // The session is a short-lived credential of its own: it must not reach a message either.
    const secrets = [
      password,
      clientSecret,
      totpSecret,
      device?.key,
      device?.groupKey,
      device?.password,
      challenge.Session,
      ...secretValuesOf(ChallengeResponses),
    ];
    return this.#flow === 'admin-user-password'
      ? sendWithRetries(
          context,
          'AdminRespondToAuthChallenge',
          () => new AdminRespondToAuthChallengeCommand({ ...input, UserPoolId: userPoolId }),
          secrets,
        )
      : sendWithRetries(context, 'RespondToAuthChallenge', () => new RespondToAuthChallengeCommand(input), secrets);
  }
}

/** What one sign-in carries from challenge to challenge. */
interface Attempt {
  /** The SRP exchange of the password, for the flows that use it. */
  readonly srp: SrpSession | undefined;
  /** The real username once Cognito has named it (USER_ID_FOR_SRP), which later answers must carry. */
  userId: string | undefined;
  /** The device's SRP exchange, from DEVICE_SRP_AUTH to DEVICE_PASSWORD_VERIFIER. */
  deviceSrp: SrpSession | undefined;
}

/**
 * The answer to a PASSWORD_VERIFIER or DEVICE_PASSWORD_VERIFIER challenge: the same SRP proof, over the user's
 * pool name, ID and password, or over the device group key, device key and device password.
 */
function passwordClaim(
  srp: SrpSession,
  parameters: Record<string, string>,
  username: string,
  who: { readonly poolName: string; readonly userIdForSrp: string; readonly password: string },
): Record<string, string> {
  const secretBlock = parameters.SECRET_BLOCK ?? '';
  const { signature, timestamp } = srp.passwordVerifier({
    ...who,
    saltHex: parameters.SALT ?? '',
    srpBHex: parameters.SRP_B ?? '',
    secretBlock,
    now: new Date(),
  });
  return {
    USERNAME: username,
    PASSWORD_CLAIM_SECRET_BLOCK: secretBlock,
    PASSWORD_CLAIM_SIGNATURE: signature,
    TIMESTAMP: timestamp,
  };
}

/** The real username for an answer: as the challenge names it, or as an earlier challenge did. */
function realUsername(parameters: Record<string, string>, attempt: Attempt, typed: string): string {
  return parameters.USERNAME ?? parameters.USER_ID_FOR_SRP ?? attempt.userId ?? typed;
}

/** The part of InitiateAuth's and RespondToAuthChallenge's answers a sign-in reads. */
type ChallengeAnswer = Pick<
  InitiateAuthCommandOutput,
  'ChallengeName' | 'ChallengeParameters' | 'Session' | 'AuthenticationResult' | 'AvailableChallenges'
>;

/**
 * Whether Cognito refused a TOTP code as one whose step was used already. CodeMismatchException is also the
 * answer to a wrong code, which no answer tells apart; the retry on the next step and the final message cover
 * both readings.
 */
function isCodeTaken(error: unknown): boolean {
  const name = errorName(error);
  return (
    name === 'CodeMismatchException' ||
    (name === 'ExpiredCodeException' && CODE_ALREADY_USED.test(describeCause(error, [])))
  );
}

/** Other sign-ins of the user took the TOTP steps within reach, and the next free one starts too late. */
function totpStepTaken(waitMs: number, refusal: unknown): CognitoTokenError {
  return new CognitoTokenError(
    'ERR_UNAVAILABLE',
    'Another sign-in of this user took the TOTP step: Cognito accepts the code of each 30-second step once, and ' +
      `refused this one's. The next free step starts in ${Math.max(0, Math.ceil(waitMs / 1000))} s, beyond ` +
      'timeoutMs. Instances signing in as one MFA user at the same time take a step each: call again, raise ' +
      'timeoutMs, or share their tokens with sharedCache. If no other sign-in of this user runs at the same ' +
      'time, check "credentials.totpSecret" and the clock',
    refusal === undefined ? undefined : { cause: refusal },
  );
}

function challengeRequired(challenge: string): ChallengeRequiredError {
  const advice =
    challenge === 'SOFTWARE_TOKEN_MFA'
      ? 'give credentials.totpSecret (the secret AssociateSoftwareToken returned) to answer it'
      : 'give the user a permanent password, and TOTP (with credentials.totpSecret) or no MFA';
  return new ChallengeRequiredError(challenge, `Cognito asked for the ${challenge} challenge: ${advice}`);
}

/** Cognito's refusal of an auth flow the app client does not allow. */
function isFlowNotEnabled(error: unknown): boolean {
  return errorName(error) === 'InvalidParameterException' && FLOW_NOT_ENABLED.test(describeCause(error, []));
}

/**
 * Maps a failed sign-in to our error codes, keeping the SDK error (already scrubbed by sendWithRetries) as
 * `cause`. `switched`: the flow is `'user-srp'` because the app client refused the default one.
 */
function signInFailure(error: unknown, flow: SignInFlow, deviceSent: boolean, switched: boolean): CognitoTokenError {
  if (error instanceof CognitoTokenError) return error;
  const cause = describeCause(error, []);
  const name = errorName(error);
  // A remembered device Cognito no longer knows (forgotten, or another user's or pool's): the credentials are
  // wrong, and a source is read again, in case the device was remembered anew there.
  if (deviceSent && name === 'ResourceNotFoundException' && /device/i.test(cause)) {
    return new CognitoTokenError(
      'ERR_AUTHENTICATION',
      `Cognito does not know credentials.device (${cause}): it was forgotten, or belongs to another user or user ` +
        'pool. Remember a device again with `cognito-token device remember`, and store its output',
      { cause: error },
    );
  }
  if (switched && isFlowNotEnabled(error)) {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `The app client allows neither the default flow 'user-password' nor 'user-srp', tried after it (${cause}): ` +
        "set flow: 'user-auth', or enable ALLOW_USER_SRP_AUTH or ALLOW_USER_PASSWORD_AUTH on the app client",
      { cause: error },
    );
  }
  if (isFlowNotEnabled(error)) {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `The app client does not allow flow '${flow}' (${cause}): ${FLOW_ADVICE[flow]}`,
      { cause: error },
    );
  }
  if (AUTHENTICATION_FAILURE.test(name)) {
    return new CognitoTokenError('ERR_AUTHENTICATION', `Sign-in rejected (${cause})`, { cause: error });
  }
  if (name === 'CodeMismatchException' || name === 'ExpiredCodeException') {
    return new CognitoTokenError(
      'ERR_AUTHENTICATION',
      `Cognito refused the TOTP code (${cause}); check "credentials.totpSecret" and the clock`,
      { cause: error },
    );
  }
  // Of the sign-in requests only the admin flow's are signed: without AWS credentials the SDK never sends them.
  if (flow === 'admin-user-password' && isAwsCredentialsMissing(error)) {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `Could not send AdminInitiateAuth (${cause}): ${awsCredentialsMissingAdvice('AdminInitiateAuth')}`,
      { cause: error },
    );
  }
  // AdminInitiateAuth is signed: a missing IAM permission is the usual reason it is refused.
  const check = flow === 'admin-user-password' ? 'IAM permission cognito-idp:AdminInitiateAuth, ' : '';
  return new CognitoTokenError(
    'ERR_CONFIGURATION',
    `Sign-in refused (${cause}); check the ${check}client ID, Region and enabled auth flows`,
    { cause: error },
  );
}

import type {
  AuthenticationResultType,
  GetTokensFromRefreshTokenCommand,
  GetTokensFromRefreshTokenCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { sendWithRetries } from '../aws/cognito-request.js';
// Not imported from the SDK here: it only exists in SDKs from 2025-04 on (see that file).
import { getTokensFromRefreshTokenCommand } from '../aws/optional-commands.js';
import { withoutSdkResend } from '../aws/sdk-resend-guard.js';
import { classifyFailure, errorName } from '../core/failure.js';
import { logEvent } from '../core/logger.js';
import { CognitoTokenError } from '../errors.js';
import type { RefreshMode, SignInFlow } from './options.js';
import type { Session } from './session.js';
import { initiateAuth, type UserRequestContext } from './sign-in.js';

/**
 * True when Cognito refused the request itself. Exhausted retries arrive already mapped to
 * ERR_THROTTLED/ERR_UNAVAILABLE and must propagate: an outage says nothing about the refresh token.
 */
function isRejection(error: unknown): boolean {
  return !(error instanceof CognitoTokenError) && classifyFailure(error) === 'rejected';
}

/**
 * Renews sessions by the configured method. In `'auto'` mode it remembers, for the life of the provider,
 * that the app client refused REFRESH_TOKEN_AUTH, so the refused call is made once, not at every renewal.
 */
export class Renewer {
  readonly #mode: RefreshMode;
  readonly #flow: SignInFlow;
  #rotation: boolean;
  // A refresh token sent to GetTokensFromRefreshToken without a clear answer (5xx, network failure, timeout):
  // Cognito may have rotated it, and sending it again could end the session, so it is never sent again.
  #uncertain: string | undefined;

  constructor(mode: RefreshMode, flow: SignInFlow) {
    this.#mode = mode;
    this.#flow = flow;
    this.#rotation = mode === 'get-tokens-from-refresh-token';
  }

  /** The renewal request in use: REFRESH_TOKEN_AUTH until the app client has shown it wants rotation. */
  get method(): 'REFRESH_TOKEN_AUTH' | 'GetTokensFromRefreshToken' {
    return this.#rotation ? 'GetTokensFromRefreshToken' : 'REFRESH_TOKEN_AUTH';
  }

  /**
   * Renews `session` with its refresh token. Resolves `undefined` when Cognito rejects the refresh token
   * (expired, revoked, reused): the caller then signs in with the password. Throttling and outages reject.
   */
  async renew(context: UserRequestContext, session: Session): Promise<AuthenticationResultType | undefined> {
    const { logger, clientId } = context;
    const { refreshToken, username, clientSecret, deviceKey } = session;
    if (refreshToken === this.#uncertain) return undefined;
    if (!this.#rotation) {
      try {
        // The hash is over cognito:username, not the alias the user signed in with: Cognito checks it
        // against the real username here, and an alias gives "Unable to verify secret hash". In a pool that
        // tracks devices, Cognito renews only for the device named: without its key, "Invalid Refresh Token".
        const response = await initiateAuth(
          context,
          this.#flow,
          'REFRESH_TOKEN_AUTH',
          { REFRESH_TOKEN: refreshToken as string, ...(deviceKey === undefined ? {} : { DEVICE_KEY: deviceKey }) },
          username,
          clientSecret,
        );
        return response.AuthenticationResult ?? {};
      } catch (error) {
        if (!isRejection(error)) throw error;
        logEvent(logger, 'cognito-token-provider: REFRESH_TOKEN_AUTH rejected', { error: errorName(error) });
        if (this.#mode === 'refresh-token-auth' || !getTokensFromRefreshTokenCommand()) return undefined;
      }
    }
    // Checked at construction for the explicit mode and just above in 'auto', so it is present here.
    const Command = getTokensFromRefreshTokenCommand() as typeof GetTokensFromRefreshTokenCommand;
    try {
      const response = await sendWithRetries<GetTokensFromRefreshTokenCommandOutput>(
        { ...context, retryPolicy: { ...context.retryPolicy, retryTransient: false } },
        'GetTokensFromRefreshToken',
        // This API takes the raw secret, not a SECRET_HASH.
        () =>
          withoutSdkResend(
            new Command({
              ClientId: clientId,
              RefreshToken: refreshToken,
              ClientSecret: clientSecret,
              DeviceKey: deviceKey,
              ClientMetadata: context.clientMetadata === undefined ? undefined : { ...context.clientMetadata },
            }),
          ),
        [refreshToken, clientSecret, deviceKey],
      );
      if (!this.#rotation) {
        // Only a success proves the client wants rotation; a dead refresh token fails both ways.
        this.#rotation = true;
        logEvent(logger, 'cognito-token-provider: switched renewal to GetTokensFromRefreshToken', {
          from: 'REFRESH_TOKEN_AUTH',
          to: 'GetTokensFromRefreshToken',
        });
      }
      return response.AuthenticationResult ?? {};
    } catch (error) {
      if (!isRejection(error)) {
        if ((error as CognitoTokenError).code !== 'ERR_THROTTLED') this.#uncertain = refreshToken;
        throw error;
      }
      logEvent(logger, 'cognito-token-provider: GetTokensFromRefreshToken rejected', { error: errorName(error) });
      return undefined;
    }
  }
}

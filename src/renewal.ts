// A namespace import, read by property below: GetTokensFromRefreshTokenCommand only exists in SDKs from
// 2025-04 on, and a named import of a missing export would stop the whole package from loading on a Lambda
// runtime that bundles an older SDK.
import * as cognitoSdk from '@aws-sdk/client-cognito-identity-provider';
import {
  AdminInitiateAuthCommand,
  type AuthenticationResultType,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { classifyFailure, errorName } from './aws-error.js';
import { type CognitoRequestContext, sendWithRetries } from './cognito-request.js';
import { CognitoTokenError } from './errors.js';
import { logEvent } from './logger.js';
import { computeSecretHash } from './secret-hash.js';
import type { Session } from './session.js';
import type { RefreshMode, SignInFlow } from './token-provider-options.js';

/** The rotation-capable command of the installed SDK, or `undefined` when the SDK predates it. */
export function rotationCommand(): typeof cognitoSdk.GetTokensFromRefreshTokenCommand | undefined {
  const command = cognitoSdk.GetTokensFromRefreshTokenCommand as
    | typeof cognitoSdk.GetTokensFromRefreshTokenCommand
    | undefined;
  return typeof command === 'function' ? command : undefined;
}

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
  #useRotation: boolean;

  constructor(mode: RefreshMode, flow: SignInFlow) {
    this.#mode = mode;
    this.#flow = flow;
    this.#useRotation = mode === 'get-tokens-from-refresh-token';
  }

  /**
   * Renews `session` with its refresh token. Resolves `undefined` when Cognito rejects the refresh token
   * (expired, revoked, reused): the caller then signs in with the password. Throttling and outages reject.
   */
  async renew(context: CognitoRequestContext, session: Session): Promise<AuthenticationResultType | undefined> {
    if (this.#useRotation)
      return this.#rejectedAsUndefined(context, () => this.#getTokensFromRefreshToken(context, session));
    try {
      return await this.#refreshTokenAuth(context, session);
    } catch (error) {
      if (!isRejection(error)) throw error;
      if (this.#mode !== 'auto' || rotationCommand() === undefined) {
        logEvent(context.logger, 'cognito-token-provider: refresh token rejected, signing in with the password', {
          error: errorName(error),
        });
        return undefined;
      }
      logEvent(context.logger, 'cognito-token-provider: REFRESH_TOKEN_AUTH refused, trying GetTokensFromRefreshToken', {
        error: errorName(error),
      });
      const result = await this.#rejectedAsUndefined(context, () => this.#getTokensFromRefreshToken(context, session));
      if (result !== undefined) {
        // Only a success proves the client wants rotation; a dead refresh token fails both ways.
        this.#useRotation = true;
        logEvent(context.logger, 'cognito-token-provider: switched renewal to GetTokensFromRefreshToken', {});
      }
      return result;
    }
  }

  async #rejectedAsUndefined(
    context: CognitoRequestContext,
    renew: () => Promise<AuthenticationResultType>,
  ): Promise<AuthenticationResultType | undefined> {
    try {
      return await renew();
    } catch (error) {
      if (!isRejection(error)) throw error;
      logEvent(context.logger, 'cognito-token-provider: refresh token rejected, signing in with the password', {
        error: errorName(error),
      });
      return undefined;
    }
  }

  async #refreshTokenAuth(context: CognitoRequestContext, session: Session): Promise<AuthenticationResultType> {
    const AuthParameters: Record<string, string> = { REFRESH_TOKEN: session.refreshToken ?? '' };
    if (session.clientSecret !== undefined) {
      // Over the cognito:username claim, not the alias the user signed in with: Cognito checks the hash
      // against the real username here, and an alias gives "Unable to verify secret hash".
      AuthParameters.SECRET_HASH = computeSecretHash(session.username, context.clientId, session.clientSecret);
    }
    const admin = this.#flow === 'admin-user-password';
    const response = await sendWithRetries<InitiateAuthCommandOutput>(
      context,
      admin ? 'AdminInitiateAuth' : 'InitiateAuth',
      () =>
        admin
          ? new AdminInitiateAuthCommand({
              UserPoolId: context.userPoolId,
              ClientId: context.clientId,
              AuthFlow: 'REFRESH_TOKEN_AUTH',
              AuthParameters,
            })
          : new InitiateAuthCommand({ ClientId: context.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters }),
    );
    return response.AuthenticationResult ?? {};
  }

  async #getTokensFromRefreshToken(
    context: CognitoRequestContext,
    session: Session,
  ): Promise<AuthenticationResultType> {
    // Checked at construction for the explicit mode and before switching in 'auto', so it is present here.
    const Command = rotationCommand() as typeof cognitoSdk.GetTokensFromRefreshTokenCommand;
    const response = await sendWithRetries<cognitoSdk.GetTokensFromRefreshTokenCommandOutput>(
      context,
      'GetTokensFromRefreshToken',
      () =>
        new Command({
          ClientId: context.clientId,
          RefreshToken: session.refreshToken,
          // This API takes the raw secret, not a SECRET_HASH.
          ...(session.clientSecret === undefined ? {} : { ClientSecret: session.clientSecret }),
        }),
    );
    return response.AuthenticationResult ?? {};
  }
}

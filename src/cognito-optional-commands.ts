// The SDK commands that older SDKs lack, for the ES module build (and for tests and types). GetTokensFromRefreshToken
// came in 2025-04 and GetClientToken later, and a Lambda runtime may bundle an SDK from before either. A named
// import of an export the SDK lacks stops Node from linking the whole package, so this reads them as properties
// of a namespace import, which also lets a user's bundler see exactly which commands are used and drop the rest.
// The CommonJS build takes ./cognito-optional-commands-cjs.ts instead (scripts/build.mjs): there a namespace
// import would copy every one of the SDK's exports on load.
import * as cognitoSdk from '@aws-sdk/client-cognito-identity-provider';

/**
 * The installed SDK's GetTokensFromRefreshTokenCommand, `undefined` when the SDK predates it.
 *
 * @example
 * ```ts
 * const supportsRotation = typeof getTokensFromRefreshTokenCommand() === 'function';
 * ```
 */
export function getTokensFromRefreshTokenCommand(): typeof cognitoSdk.GetTokensFromRefreshTokenCommand | undefined {
  return cognitoSdk.GetTokensFromRefreshTokenCommand as typeof cognitoSdk.GetTokensFromRefreshTokenCommand | undefined;
}

/**
 * The installed SDK's GetClientTokenCommand, `undefined` when the SDK predates it.
 *
 * @example
 * ```ts
 * const supportsGetClientToken = typeof getClientTokenCommand() === 'function';
 * ```
 */
export function getClientTokenCommand(): typeof cognitoSdk.GetClientTokenCommand | undefined {
  return cognitoSdk.GetClientTokenCommand as typeof cognitoSdk.GetClientTokenCommand | undefined;
}

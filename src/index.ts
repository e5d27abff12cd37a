export {
  type AccessTokenSource,
  type AuthorizedFetchOptions,
  createAuthorizedFetch,
  type FetchFunction,
  type IdTokenSource,
} from './authorized-fetch.js';
export type {
  ClientSecretChoice,
  ClientTokenProviderOptions,
  ClientTokenSourceChoice,
} from './client-token-options.js';
export { type ClientTokenProvider, createClientTokenProvider } from './client-token-provider.js';
// Types only: their constructors are internal, and the providers are the one way to get an instance.
export type { ClientTokens } from './client-tokens.js';
export type { CognitoTokens } from './cognito-tokens.js';
export type { CognitoCredentials, CredentialsSource, UserCredentials } from './credentials.js';
export { ChallengeRequiredError, CognitoTokenError, type CognitoTokenErrorCode } from './errors.js';
export { type CognitoJwtClaims, decodeJwtClaims } from './jwt-claims.js';
export type { TokenProviderLogger } from './logger.js';
export { computeSecretHash } from './secret-hash.js';
export {
  type FromSsmOptions,
  fromSsm,
  type SsmClientChoice,
  type SsmJsonParameter,
  type SsmNamedParameters,
} from './ssm-credentials.js';
export { createTokenProvider, type TokenProvider } from './token-provider.js';
export type {
  CognitoClientChoice,
  CommonProviderOptions,
  RefreshMode,
  SignInFlow,
  TokenProviderOptions,
} from './token-provider-options.js';

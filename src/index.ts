// The package root: the providers, createAuthorizedFetch, the errors and the helpers. Optional peers have
// entry points of their own (cognito-token-provider/ssm), so importing the root never needs them.

export { type CognitoJwtClaims, decodeJwtClaims } from './core/jwt-claims.js';
export type { TokenProviderLogger } from './core/logger.js';
export type {
  CognitoCredentials,
  CredentialsSource,
  CredentialsSourceOptions,
  UserCredentials,
} from './credentials/credentials.js';
export {
  ChallengeRequiredError,
  CognitoTokenError,
  type CognitoTokenErrorCode,
  type CognitoTokenErrors,
} from './errors.js';
export {
  type AccessTokenSource,
  type AuthorizedFetchOptions,
  createAuthorizedFetch,
  type FetchFunction,
  type IdTokenSource,
} from './fetch/authorized-fetch.js';
export { type SharedTokenStore, shareTokenStore } from './fleet/share-token-store.js';
export type {
  LeaseAnswer,
  LeaseRequest,
  LeaseView,
  StoredEntry,
  StoreRecord,
  TokenStore,
} from './fleet/token-store.js';
export type {
  ClientSecretChoice,
  ClientTokenProviderOptions,
  ClientTokenSourceChoice,
} from './m2m/client-token-options.js';
export { type ClientTokenProvider, createClientTokenProvider } from './m2m/client-token-provider.js';
// Types only: their constructors are internal, and the providers are the one way to get an instance.
export type { ClientTokens } from './m2m/client-tokens.js';
export type { CognitoClientChoice, CommonProviderOptions } from './options.js';
export type { CognitoTokens } from './user/cognito-tokens.js';
export { computeSecretHash } from './user/secret-hash.js';
export { createTokenProvider, type TokenProvider } from './user/token-provider.js';
export type { RefreshMode, SignInFlow, TokenProviderOptions } from './user/user-options.js';

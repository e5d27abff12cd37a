/**
 * The package root: the providers (`createTokenProvider`, `createClientTokenProvider`), `createAuthorizedFetch`,
 * the errors and the helpers. Optional peers have entry points of their own (`cognito-token-provider/ssm`), so
 * importing the root never needs them.
 *
 * @packageDocumentation
 * @module cognito-token-provider
 */

export type { ExpiringValue } from './core/expiring-cache.js';
export { type CognitoJwtClaims, decodeJwtClaims } from './core/jwt-claims.js';
export type { TokenProviderLogger } from './core/logger.js';
export type {
  CognitoCredentials,
  CredentialsSource,
  CredentialsSourceOptions,
  RememberedDevice,
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
export {
  type ShareContext,
  type SharedTokenStore,
  type SharedValue,
  type SharedValues,
  type SharingIdentity,
  shareTokenStore,
  type ValueSharing,
} from './fleet/share-token-store.js';
export type { SharedCacheLogger } from './fleet/shared-token-cache.js';
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
} from './m2m/options.js';
export { type ClientTokenProvider, createClientTokenProvider } from './m2m/provider.js';
// Types only: their constructors are internal, and the providers are the one way to get an instance.
export type { ClientTokens } from './m2m/tokens.js';
export type { CognitoClientChoice, CommonProviderOptions } from './provider/options.js';
export {
  REFRESH_MODES,
  type RefreshMode,
  SIGN_IN_FLOWS,
  type SignInFlow,
  type TokenProviderOptions,
} from './user/options.js';
export { createTokenProvider, type TokenProvider } from './user/provider.js';
export { type RememberDeviceOptions, rememberDevice } from './user/remember-device.js';
export { computeSecretHash } from './user/secret-hash.js';
export type { CognitoTokens } from './user/session.js';

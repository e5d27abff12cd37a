/**
 * `startLocalCognito` and `startLocalSsm`: a local Cognito user pool and Parameter Store for your tests, in the
 * test process, with no AWS account. Nothing else in the package imports it, so a handler's bundle never
 * contains it.
 *
 * @packageDocumentation
 * @module cognito-token-provider/testing
 */

export type {
  LocalAuthFlow,
  LocalClientConfig,
  LocalCognito,
  LocalCognitoClient,
  LocalCognitoFault,
  LocalCognitoOperation,
  LocalCognitoOptions,
  LocalCognitoUser,
  LocalDeviceTracking,
} from './local-cognito.js';
export {
  DEFAULT_AUTH_FLOWS,
  LOCAL_AUTH_FLOWS,
  LOCAL_COGNITO_OPERATIONS,
  startLocalCognito,
} from './local-cognito.js';
export type { LocalSsm, LocalSsmOptions, LocalSsmParameter } from './local-ssm.js';
export { startLocalSsm } from './local-ssm.js';
export type { LocalJwk, LocalJwks } from './token-signer.js';

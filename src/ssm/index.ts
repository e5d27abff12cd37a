/**
 * `fromSsm`: credentials from SSM Parameter Store. The only entry point that imports the optional peer
 * `@aws-sdk/client-ssm`.
 *
 * @packageDocumentation
 * @module cognito-token-provider/ssm
 */

export { fromSsm } from './from-ssm.js';
export type { FromSsmOptions, SsmClientChoice, SsmJsonParameter, SsmNamedParameters } from './ssm-options.js';

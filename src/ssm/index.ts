// The cognito-token-provider/ssm entry point: the only one that imports the optional peer @aws-sdk/client-ssm.
export { fromSsm } from './from-ssm.js';
export type { FromSsmOptions, SsmClientChoice, SsmJsonParameter, SsmNamedParameters } from './ssm-options.js';

// The cognito-token-provider/secrets-manager entry point: the only one that imports the optional peer
// @aws-sdk/client-secrets-manager.
export { fromSecretsManager } from './from-secrets-manager.js';
export type { FromSecretsManagerOptions, SecretsManagerClientChoice } from './secrets-manager-options.js';

/**
 * `fromSecretsManager`: credentials from Secrets Manager. The only entry point that imports the optional peer
 * `@aws-sdk/client-secrets-manager`.
 *
 * @packageDocumentation
 * @module cognito-token-provider/secrets-manager
 */

export { fromSecretsManager } from './from-secrets-manager.js';
export type { FromSecretsManagerOptions, SecretsManagerClientChoice } from './secrets-manager-options.js';

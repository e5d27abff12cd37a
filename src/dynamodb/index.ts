/**
 * `dynamoDbTokenStore`: a fleet's shared token cache in DynamoDB. The only entry point that imports the optional
 * peer `@aws-sdk/client-dynamodb`.
 *
 * @packageDocumentation
 * @module cognito-token-provider/dynamodb
 */

export {
  type DynamoDbClientChoice,
  type DynamoDbTokenStoreOptions,
  dynamoDbTokenStore,
} from './dynamodb-token-store.js';

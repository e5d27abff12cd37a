// The cognito-token-provider/dynamodb entry point: the only one that imports @aws-sdk/client-dynamodb.
export {
  type DynamoDbClientChoice,
  type DynamoDbTokenStoreOptions,
  dynamoDbTokenStore,
} from './dynamodb-token-store.js';

// A user's Lambda handler: it calls an API behind a Cognito authorizer with the ID token of a service user. The
// app client was created by CDK with its defaults (so SRP, not USER_PASSWORD_AUTH), the user has TOTP MFA, and
// the credentials are in SSM Parameter Store. Nothing here knows about tests: the SDK finds local endpoints through
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER and AWS_ENDPOINT_URL_SSM, as it would find any endpoint.
import { createTokenProvider } from 'cognito-token-provider';
import { fromSsm } from 'cognito-token-provider/ssm';

const tokens = createTokenProvider({
  userPoolId: requiredEnv('USER_POOL_ID'),
  clientId: requiredEnv('CLIENT_ID'),
  flow: 'user-srp',
  // A SecureString holding {"username","password","totpSecret"}.
  credentials: fromSsm({ parameter: requiredEnv('CREDENTIALS_PARAMETER') }),
});

export interface OrdersResult {
  readonly statusCode: number;
  readonly body: string;
}

export async function handler(): Promise<OrdersResult> {
  const response = await fetch(`${requiredEnv('ORDERS_API_URL')}/orders`, {
    headers: { Authorization: await tokens.getIdToken() },
  });
  return { statusCode: response.status, body: await response.text() };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

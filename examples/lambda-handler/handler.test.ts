// The handler tested end to end with no AWS account: a local Cognito user pool (SRP on a client with CDK's
// defaults, a TOTP user), a local Parameter Store holding the credentials, and a local "API" that checks the token
// as an API Gateway Cognito authorizer would, with aws-jwt-verify.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtVerifier } from 'aws-jwt-verify';
import { type LocalCognito, type LocalSsm, startLocalCognito, startLocalSsm } from 'cognito-token-provider/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const SERVICE_USER = {
  username: 'orders-service',
  password: 'Corr3ct-Horse-Battery!',
  totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
};

let cognito: LocalCognito;
let ssm: LocalSsm;
let api: Server;
const callers: string[] = [];
let handler: typeof import('./handler.js').handler;

beforeAll(async () => {
  cognito = await startLocalCognito({ users: [SERVICE_USER], clients: [{ clientId: 'orders-web' }] });
  ssm = await startLocalSsm({
    parameters: [{ name: '/orders/cognito', value: JSON.stringify(SERVICE_USER) }],
  });

  // The API: verifies the ID token as the Cognito authorizer would. aws-jwt-verify fetches JWKS over https only,
  // so it is handed the local pool's keys.
  const verifier = JwtVerifier.create({ issuer: cognito.issuer, audience: 'orders-web', jwksUri: cognito.jwksUri });
  verifier.cacheJwks(cognito.jwks);
  api = createServer((req, res) => {
    verifier.verify(req.headers.authorization ?? '').then(
      (claims) => {
        callers.push(String(claims['cognito:username']));
        res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":1}]');
      },
      () => res.writeHead(401).end('Unauthorized'),
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));

  // What the function's configuration and the Lambda runtime would set.
  Object.assign(process.env, {
    USER_POOL_ID: cognito.userPoolId,
    CLIENT_ID: 'orders-web',
    CREDENTIALS_PARAMETER: '/orders/cognito',
    ORDERS_API_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    AWS_REGION: cognito.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
  });
  ({ handler } = await import('./handler.js'));
});

afterAll(async () => {
  await Promise.all([cognito?.stop(), ssm?.stop(), new Promise((resolve) => api?.close(resolve))]);
});

it('calls the API with a token the API verifies: SRP, then the TOTP step, with credentials from SSM', async () => {
  const result = await handler();

  expect(result).toEqual({ statusCode: 200, body: '[{"id":1}]' });
  expect(callers).toEqual(['orders-service']);
  expect(cognito.requests).toMatchObject({ InitiateAuth: 1, RespondToAuthChallenge: 2 }); // PASSWORD_VERIFIER, TOTP
  expect(ssm.requests.GetParameters).toBe(1);
});

it('serves the next invocations from the cached token: no sign-in, no SSM read', async () => {
  await handler();
  await handler();

  expect(callers).toHaveLength(3);
  expect(cognito.requests.InitiateAuth).toBe(1);
  expect(ssm.requests.GetParameters).toBe(1);
});

it('the API refuses a token it cannot verify', async () => {
  const forged = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImxvY2FsIn0.eyJ0b2tlbl91c2UiOiJpZCJ9.c2lnbmF0dXJl';
  const response = await fetch(`${process.env.ORDERS_API_URL}/orders`, { headers: { Authorization: forged } });

  expect(response.status).toBe(401);
});

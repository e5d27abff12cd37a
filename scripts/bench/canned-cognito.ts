// Cognito answers without a network, for the measurements that must not depend on one: the cached path and
// memory. Tokens are syntactically valid JWTs (header.payload.signature, base64url) with the claims the
// provider reads, so they go through the same parsing as real ones.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

let issued = 0;

/** A JWT-shaped token with `exp` and `cognito:username`; unsigned (the provider never verifies). */
export function fakeJwt(lifetimeSeconds: number, tokenUse: 'id' | 'access'): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ kid: 'bench', alg: 'RS256', typ: 'JWT' });
  const payload = encode({
    sub: '7c9a2f1e-0000-4000-8000-00000000b3c4',
    'cognito:username': '7c9a2f1e-0000-4000-8000-00000000b3c4',
    token_use: tokenUse,
    iat: now,
    exp: now + Math.max(1, Math.ceil(lifetimeSeconds)),
    // Every token differs, as Cognito's do, so nothing can be shared between renewals by accident.
    jti: `bench-${++issued}`,
  });
  return `${header}.${payload}.${Buffer.from(`signature-${issued}`).toString('base64url')}`;
}

/** The AuthenticationResult Cognito returns: a refresh token only for a password sign-in. */
export function authenticationResult(expiresInSeconds: number, withRefreshToken: boolean) {
  return {
    AuthenticationResult: {
      IdToken: fakeJwt(expiresInSeconds, 'id'),
      AccessToken: fakeJwt(expiresInSeconds, 'access'),
      ...(withRefreshToken ? { RefreshToken: `opaque-refresh-${issued}` } : {}),
      ExpiresIn: expiresInSeconds,
      TokenType: 'Bearer',
    },
    ChallengeParameters: {},
  };
}

/** Counts of what a canned Cognito was asked. */
export interface CannedCounts {
  signIns: number;
  renewals: number;
}

/**
 * An object with the SDK client's `send`, answering InitiateAuth from memory. The provider accepts any
 * object with `send`; the cast is the only lie, and the cached path never reaches the client anyway.
 */
export function cannedClient(expiresInSeconds: number): {
  client: CognitoIdentityProviderClient;
  counts: CannedCounts;
} {
  const counts: CannedCounts = { signIns: 0, renewals: 0 };
  const send = async (command: { input: { AuthFlow?: string } }) => {
    const renewal = command.input.AuthFlow === 'REFRESH_TOKEN_AUTH';
    if (renewal) counts.renewals++;
    else counts.signIns++;
    return authenticationResult(expiresInSeconds, !renewal);
  };
  return { client: { send } as unknown as CognitoIdentityProviderClient, counts };
}

/**
 * An SDK request handler that answers InitiateAuth in memory, for a real `CognitoIdentityProviderClient`:
 * serialisation, middleware and deserialisation all run, only the socket is missing.
 */
export function cannedRequestHandler(expiresInSeconds: number): {
  handle(request: { body?: unknown }): Promise<{ response: unknown }>;
  counts: CannedCounts;
} {
  const counts: CannedCounts = { signIns: 0, renewals: 0 };
  return {
    counts,
    async handle(request) {
      const { body: raw } = request;
      // Read a byte body as bytes: the SDK warns when a string method is called on it.
      const text =
        raw instanceof Uint8Array ? new TextDecoder().decode(raw) : typeof raw === 'string' ? raw : String(raw);
      const body = JSON.parse(text) as { AuthFlow?: string };
      const renewal = body.AuthFlow === 'REFRESH_TOKEN_AUTH';
      if (renewal) counts.renewals++;
      else counts.signIns++;
      const output = authenticationResult(expiresInSeconds, !renewal);
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Buffer.from(JSON.stringify(output)),
        },
      };
    },
  };
}

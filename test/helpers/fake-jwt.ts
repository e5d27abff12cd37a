/** Builds an unsigned JWT with the given claims: enough for code that reads, never verifies, a token. */
export function fakeJwt(claims: Record<string, unknown>, signature = 'c2lnbmF0dXJl'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', kid: 'test' })}.${encode(claims)}.${signature}`;
}

/** Tokens with distinct, recognisable values, for leak scans. */
export function cognitoTokens(options: {
  username: string;
  nowSeconds: number;
  lifetimeSeconds?: number;
  serial?: number;
}) {
  const lifetime = options.lifetimeSeconds ?? 3600;
  const serial = options.serial ?? 1;
  const claims = {
    'cognito:username': options.username,
    iat: options.nowSeconds,
    exp: options.nowSeconds + lifetime,
  };
  return {
    IdToken: fakeJwt({ ...claims, token_use: 'id', serial }, `aWQtc2lnbmF0dXJl${serial}`),
    AccessToken: fakeJwt({ ...claims, token_use: 'access', serial }, `YWNjZXNzLXNpZ25hdHVyZQ${serial}`),
    RefreshToken: `opaque-refresh-token-${serial}-ZXhhbXBsZQ`,
    ExpiresIn: lifetime,
    TokenType: 'Bearer',
  };
}

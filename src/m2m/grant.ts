import type { ExpiringValue } from '../core/expiring-cache.js';
import { unusableAnswer } from '../core/failure.js';
import { deadOnArrival, expiryOf, readableClaims, renewalPoint } from '../core/jwt-claims.js';
import { CognitoTokenError } from '../errors.js';
import type { FleetRecipe } from '../provider/token-kernel.js';
import { ClientTokens } from './tokens.js';

/** What either way of asking for a client token (GetClientToken or the OAuth2 endpoint) answered. */
export interface ClientTokenGrant {
  readonly accessToken: string | undefined;
  /** Seconds the token lives, as the server said. */
  readonly expiresIn: number | undefined;
  readonly tokenType: string | undefined;
  /** The granted scopes, space-separated; the OAuth2 endpoint may omit it when they are the ones requested. */
  readonly scope: string | undefined;
}

/** What the client token provider caches. Held only inside its private cache. */
export interface CachedClientToken extends ExpiringValue {
  readonly accessToken: string;
  /** The public view handed to `getTokens()` callers, built once per token rather than per call. */
  readonly tokens: ClientTokens;
}

/**
 * Throws `unusableAnswer` (retried like a 5xx) when the grant's token was dead on arrival: for the OAuth2 token
 * endpoint, whose answers do not pass through `sendWithRetries` (which checks GetClientToken's itself).
 */
export function checkGrantAlive(grant: ClientTokenGrant, answeredBy: string): ClientTokenGrant {
  const claims = readableClaims(grant.accessToken);
  const dead = deadOnArrival(answeredBy, 'an access token', Date.now(), grant.expiresIn, [claims]);
  if (dead !== undefined) throw unusableAnswer(dead);
  return grant;
}

/**
 * Builds the cached form of a grant. `answeredBy` names the server in the message when the answer is unusable,
 * for example `Cognito's GetClientToken` or `The token endpoint`.
 */
export function cachedClientToken(
  grant: ClientTokenGrant,
  requestedScopes: readonly string[],
  refreshAheadSeconds: number,
  answeredBy: string,
): CachedClientToken {
  const { accessToken } = grant;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new CognitoTokenError('ERR_UNAVAILABLE', `${answeredBy} returned no access token`);
  }
  const claims = readableClaims(accessToken);
  const now = Date.now();
  const expiresAt = expiryOf(now, grant.expiresIn, [claims]);
  if (expiresAt === undefined) {
    throw new CognitoTokenError(
      'ERR_UNAVAILABLE',
      `${answeredBy} returned an access token with neither a lifetime (expires_in) nor an exp claim`,
    );
  }
  const dead = deadOnArrival(answeredBy, 'an access token', now, grant.expiresIn, [claims]);
  if (dead !== undefined) throw new CognitoTokenError('ERR_UNAVAILABLE', dead);
  const scopes = splitScopes(grant.scope) ?? splitScopes(claims?.scope) ?? requestedScopes;
  const tokenType = typeof grant.tokenType === 'string' && grant.tokenType !== '' ? grant.tokenType : 'Bearer';
  return {
    accessToken,
    expiresAt,
    renewAt: renewalPoint(now, expiresAt, refreshAheadSeconds),
    tokens: new ClientTokens(accessToken, new Date(expiresAt), scopes, tokenType),
  };
}

function splitScopes(scope: unknown): string[] | undefined {
  if (typeof scope !== 'string') return undefined;
  const scopes = scope.split(/\s+/).filter((name) => name !== '');
  return scopes.length === 0 ? undefined : scopes;
}

/**
 * How client tokens are shared by a fleet, where it saves money: Cognito bills every token request. One entry
 * per app client, token source and scopes, holding the access token, its expiry, scopes and type, sealed with
 * a key derived from the client secret, so an instance with another secret cannot read it.
 */
export function clientTokenSharing(
  pool: string,
  scopes: readonly string[],
  refreshAheadSeconds: number,
): FleetRecipe<CachedClientToken, string> {
  return {
    identify: (clientSecret) => ({ pool, subject: { scopes }, secrets: { clientSecret } }),
    encode: ({ accessToken, expiresAt, tokens }) => ({
      accessToken,
      expiresAt,
      scopes: [...tokens.scopes],
      tokenType: tokens.tokenType,
    }),
    decode: ({ accessToken, scopes: granted, tokenType }, expiresAt) => {
      if (
        typeof accessToken !== 'string' ||
        typeof tokenType !== 'string' ||
        !Array.isArray(granted) ||
        !granted.every((scope) => typeof scope === 'string')
      ) {
        return undefined;
      }
      return {
        accessToken,
        expiresAt,
        renewAt: renewalPoint(Date.now(), expiresAt, refreshAheadSeconds),
        tokens: new ClientTokens(accessToken, new Date(expiresAt), granted, tokenType),
      };
    },
    tokensOf: (token) => [token.accessToken],
  };
}

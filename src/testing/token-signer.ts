/**
 * RS256 JWTs signed with a key pair made for one local user pool, and the JWKS that verifies them: what a
 * service under test needs to check tokens the way it does against Cognito (aws-jwt-verify, jose).
 *
 * @internal
 * @packageDocumentation
 */
import { createSign, generateKeyPairSync, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';

/**
 * One RSA public key of a JWKS, as Cognito publishes it at `/<userPoolId>/.well-known/jwks.json`.
 *
 * @example
 * ```ts
 * import type { LocalJwk } from 'cognito-token-provider/testing';
 *
 * declare const key: LocalJwk;
 * console.log(key.kid, key.alg); // '…', 'RS256'
 * ```
 */
// A type alias rather than an interface, so it fits verifiers' JSON types (aws-jwt-verify's `Jwks`), which need
// an implicit index signature.
export type LocalJwk = {
  /** The key type. */
  readonly kty: 'RSA';
  /** The algorithm the tokens are signed with. */
  readonly alg: 'RS256';
  /** Signing. */
  readonly use: 'sig';
  /** The key ID, as each token's header names it. */
  readonly kid: string;
  /** The modulus, base64url. */
  readonly n: string;
  /** The exponent, base64url (`AQAB`). */
  readonly e: string;
};

/**
 * A JSON Web Key Set: the keys that verify a local user pool's tokens.
 *
 * @example
 * ```ts
 * import type { LocalJwks } from 'cognito-token-provider/testing';
 *
 * declare const jwks: LocalJwks;
 * console.log(jwks.keys.length); // 1
 * ```
 */
export type LocalJwks = {
  /** One key per local user pool. */
  readonly keys: LocalJwk[];
};

/** @internal Signs tokens with a private key that never leaves this object. */
export class TokenSigner {
  readonly #privateKey: KeyObject;
  /** A copy at each read: a test that edits it (to see a verifier refuse) changes nothing served. */
  get jwks(): LocalJwks {
    return structuredClone(this.#jwks);
  }
  readonly #jwks: LocalJwks;
  readonly #kid: string;

  constructor() {
    // 2048 bits, as Cognito's keys: generated once per server, about 50 ms.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#kid = randomBytes(16).toString('base64url');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    this.#jwks = {
      keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid: this.#kid, n: String(jwk.n), e: String(jwk.e) }],
    };
  }

  sign(payload: Record<string, unknown>): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const signingInput = `${part({ kid: this.#kid, alg: 'RS256' })}.${part(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(this.#privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }
}

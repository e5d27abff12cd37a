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
export interface LocalJwk {
  readonly kty: 'RSA';
  readonly alg: 'RS256';
  readonly use: 'sig';
  readonly kid: string;
  /** The modulus, base64url. */
  readonly n: string;
  /** The exponent, base64url (`AQAB`). */
  readonly e: string;
}

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
export interface LocalJwks {
  readonly keys: readonly LocalJwk[];
}

/** @internal Signs tokens with a private key that never leaves this object. */
export class TokenSigner {
  readonly #privateKey: KeyObject;
  readonly jwks: LocalJwks;
  readonly #kid: string;

  constructor() {
    // 2048 bits, as Cognito's keys: generated once per server, about 50 ms.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#kid = randomBytes(16).toString('base64url');
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
    this.jwks = Object.freeze({
      keys: Object.freeze([
        Object.freeze({
          kty: 'RSA' as const,
          alg: 'RS256' as const,
          use: 'sig' as const,
          kid: this.#kid,
          n: String(jwk.n),
          e: String(jwk.e),
        }),
      ]),
    });
  }

  sign(payload: Record<string, unknown>): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    const signingInput = `${part({ kid: this.#kid, alg: 'RS256' })}.${part(payload)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(this.#privateKey).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  /** The key pair stays out of `console.log(server)`. */
  toJSON(): unknown {
    return { jwks: this.jwks };
  }
}

/**
 * The server side of Cognito's SRP (USER_SRP_AUTH, DEVICE_SRP_AUTH), written on its own in BigInt. It never
 * imports `src/user/srp.ts`: a client and a server that shared code could share a bug and still agree, and the
 * integration tests validate this side with amazon-cognito-identity-js instead. The facts it follows are those
 * of the client side: padHex bytes, k = H(N | g), HKDF-SHA256 with 'Caldera Derived Key'.
 *
 * @internal
 * @packageDocumentation
 */
import { createHash, createHmac, getDiffieHellman, randomBytes } from 'node:crypto';

/** @internal The 3072-bit group of RFC 3526 (Node's modp15); g = 2. */
export const N = BigInt(`0x${getDiffieHellman('modp15').getPrime('hex')}`);
const G = 2n;

/** The minimal two's-complement bytes of a non-negative integer (Java's `BigInteger.toByteArray()`). */
function javaBytes(value: bigint): Buffer {
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  return (bytes[0] as number) >= 0x80 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes;
}

function hashToInt(...parts: Buffer[]): bigint {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return BigInt(`0x${hash.digest('hex')}`);
}

const K = hashToInt(javaBytes(N), javaBytes(G));

function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let power = base % N;
  let rest = exponent;
  while (rest > 0n) {
    if (rest & 1n) result = (result * power) % N;
    power = (power * power) % N;
    rest >>= 1n;
  }
  return result;
}

/** @internal A client's SRP_A as an integer; `undefined` when it is not hex or is 0 mod N, which servers refuse. */
export function srpPublicValue(srpA: string): bigint | undefined {
  if (!/^[0-9a-fA-F]+$/.test(srpA) || BigInt(`0x${srpA}`) % N === 0n) return undefined;
  return BigInt(`0x${srpA}`);
}

/**
 * @internal A fresh server secret b and its public B for a verifier, drawn again in the (theoretical) zero cases.
 */
export function srpServerExchange(verifier: bigint): { b: bigint; B: bigint } {
  let b: bigint;
  let B: bigint;
  do {
    b = BigInt(`0x${randomBytes(128).toString('hex')}`);
    B = srpServerB(verifier, b);
  } while (b === 0n || B === 0n);
  return { b, B };
}

/**
 * The verifier v = g^x a pool stores for a password, x = H(salt | H(poolName username ":" password)).
 *
 * @internal
 */
export function srpVerifier(salt: bigint, poolName: string, username: string, password: string): bigint {
  const inner = createHash('sha256').update(`${poolName}${username}:${password}`, 'utf8').digest();
  return powMod(G, hashToInt(javaBytes(salt), inner));
}

/**
 * The server's public value B = k·v + g^b mod N for a verifier and a secret b.
 *
 * @internal
 */
export function srpServerB(verifier: bigint, b: bigint): bigint {
  return (K * verifier + powMod(G, b)) % N;
}

/** @internal What the server knows when a PASSWORD_VERIFIER answer arrives. */
export interface SrpPasswordClaim {
  readonly poolName: string;
  readonly userIdForSrp: string;
  readonly secretBlock: string;
  readonly timestamp: string;
  readonly srpA: bigint;
  readonly srpB: bigint;
  readonly b: bigint;
  readonly verifier: bigint;
}

/**
 * The PASSWORD_CLAIM_SIGNATURE the server expects, from its own S = (A·v^u)^b; `undefined` when u = 0, which
 * the server refuses.
 *
 * @internal
 */
export function srpPasswordSignature(claim: SrpPasswordClaim): string | undefined {
  const u = hashToInt(javaBytes(claim.srpA), javaBytes(claim.srpB));
  if (u === 0n) return undefined;
  const S = powMod((claim.srpA * powMod(claim.verifier, u)) % N, claim.b);
  const key = derivedKey(javaBytes(S), javaBytes(u));
  return createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(claim.poolName, 'utf8'),
        Buffer.from(claim.userIdForSrp, 'utf8'),
        Buffer.from(claim.secretBlock, 'base64'),
        Buffer.from(claim.timestamp, 'utf8'),
      ]),
    )
    .digest('base64');
}

/** HKDF-SHA256 written out: extract with the u bytes as salt, one expand block, 16 bytes kept. */
function derivedKey(sharedSecret: Buffer, scrambler: Buffer): Buffer {
  const prk = createHmac('sha256', scrambler).update(sharedSecret).digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.of(1)]))
    .digest()
    .subarray(0, 16);
}

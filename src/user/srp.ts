/**
 * The client side of Cognito's USER_SRP_AUTH: the password never leaves the process, only a proof that we know
 * it. The arithmetic follows what Cognito and every working client compute (see COGNITO.md, USER_SRP_AUTH):
 * SHA-256, the RFC 3526 3072-bit group with g = 2, Java-style `padHex` before every hash, and an HKDF-derived
 * key that signs the challenge.
 *
 * The modular exponentiations run in OpenSSL through one reused `DiffieHellman` object (about 2 ms a sign-in
 * instead of a quarter of a second in pure JavaScript); BigInt only covers the bases OpenSSL refuses.
 */
import { createDiffieHellman, createHash, createHmac, type DiffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { CognitoTokenError } from '../errors.js';

/** RFC 3526, 3072-bit MODP group: the same prime as Node's `modp15`. */
const N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
const N = BigInt(`0x${N_HEX}`);
const G = 2n;
const HKDF_INFO = Buffer.from('Caldera Derived Key', 'utf8');
const HEX = /^[0-9a-fA-F]+$/;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** What Cognito's PASSWORD_VERIFIER challenge hands back, plus the password and the clock. */
export interface PasswordVerifierInput {
  /** The part of the user pool ID after `_`. */
  readonly poolName: string;
  /** `USER_ID_FOR_SRP` from the challenge: the real username even when an alias was typed. */
  readonly userIdForSrp: string;
  readonly password: string;
  /** `SALT` from the challenge (hex). */
  readonly saltHex: string;
  /** `SRP_B` from the challenge (hex). */
  readonly srpBHex: string;
  /** `SECRET_BLOCK` from the challenge (base64), signed as bytes. */
  readonly secretBlock: string;
  /** The moment to sign; its {@link srpTimestamp} is what Cognito checks against its own clock. */
  readonly now: Date;
}

/**
 * One SRP sign-in attempt: `srpA` goes into InitiateAuth, `passwordVerifier` answers the challenge that comes
 * back. The private exponent stays in a private field, so logging the session shows nothing secret.
 */
export interface SrpSession {
  /** `SRP_A` for InitiateAuth (lowercase hex). */
  readonly srpA: string;
  /**
   * The PASSWORD_VERIFIER answer: send `signature` as PASSWORD_CLAIM_SIGNATURE and `timestamp` as TIMESTAMP
   * (they belong together). Throws {@link CognitoTokenError} `ERR_UNAVAILABLE` when Cognito's SALT or SRP_B
   * is unusable.
   */
  passwordVerifier(input: PasswordVerifierInput): { signature: string; timestamp: string };
}

/**
 * Starts an SRP sign-in with a fresh private exponent (128 random bytes, as Cognito's own clients draw).
 * `random` exists so tests can replay known exponents; production code leaves it out.
 */
export function startSrp(random: (size: number) => Buffer = randomBytes): SrpSession {
  let a: bigint;
  let largeA: bigint;
  do {
    a = toBigInt(random(128));
    // SRP-6a refuses A ≡ 0 (mod N), which a prime N never yields; a = 0 is the real hazard (A = 1, a proof
    // independent of our secret), so it counts as such an A and is drawn again.
    largeA = a === 0n ? 0n : modPow(G, a);
  } while (largeA % N === 0n);
  return new ClientSession(a, largeA);
}

class ClientSession implements SrpSession {
  readonly srpA: string;
  readonly #a: bigint;
  readonly #largeA: bigint;

  constructor(a: bigint, largeA: bigint) {
    this.#a = a;
    this.#largeA = largeA;
    this.srpA = largeA.toString(16);
  }

  passwordVerifier(input: PasswordVerifierInput): { signature: string; timestamp: string } {
    const key = passwordAuthenticationKey({
      a: this.#a,
      largeA: this.#largeA,
      largeB: parseHex(input.srpBHex, 'SRP_B'),
      salt: parseHex(input.saltHex, 'SALT'),
      poolName: input.poolName,
      userIdForSrp: input.userIdForSrp,
      password: input.password,
    });
    const timestamp = srpTimestamp(input.now);
    const signature = createHmac('sha256', key)
      .update(Buffer.from(input.poolName, 'utf8'))
      .update(Buffer.from(input.userIdForSrp, 'utf8'))
      .update(Buffer.from(input.secretBlock, 'base64'))
      .update(Buffer.from(timestamp, 'utf8'))
      .digest('base64');
    return { signature, timestamp };
  }
}

/**
 * The TIMESTAMP Cognito signs against, `EEE MMM d HH:mm:ss UTC yyyy` (`Sun Jan 5 07:03:09 UTC 2025`). Built
 * from fixed English names and UTC fields, never from the locale: a translated name, a padded day or an hour
 * printed as 24 all fail as "Incorrect username or password".
 */
export function srpTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time} UTC ${date.getUTCFullYear()}`;
}

/**
 * The 16-byte key both sides derive from the shared secret S. Separate from the session so tests can compare
 * it with an independent implementation; it throws `ERR_UNAVAILABLE` for B ≡ 0 (mod N) and u = 0.
 */
export function passwordAuthenticationKey(input: {
  a: bigint;
  largeA: bigint;
  largeB: bigint;
  salt: bigint;
  poolName: string;
  userIdForSrp: string;
  password: string;
}): Buffer {
  const { a, largeA, largeB } = input;
  if (largeB % N === 0n) throw unusable('SRP_B', 'is zero modulo N');
  const u = scramblingParameter(largeA, largeB);
  const x = passwordExponent(input.salt, input.poolName, input.userIdForSrp, input.password);
  // B - k·g^x can be negative: reduce into [0, N) before exponentiating.
  const base = (((largeB - multiplier() * modPow(G, x)) % N) + N) % N;
  const s = modPow(base, a + u * x);
  return Buffer.from(hkdfSync('sha256', hexBytes(padHex(s)), hexBytes(padHex(u)), HKDF_INFO, 16));
}

/**
 * `x = H(padHex(salt) || H(poolName || userIdForSrp || ':' || password))`, the exponent of the verifier the
 * pool stores for the user.
 */
export function passwordExponent(salt: bigint, poolName: string, userIdForSrp: string, password: string): bigint {
  const inner = sha256(Buffer.from(`${poolName}${userIdForSrp}:${password}`, 'utf8'));
  return toBigInt(sha256(hexBytes(padHex(salt)), inner));
}

/** `u = H(padHex(A) || padHex(B))`; u = 0 would let a forged B bypass the password, so it is refused. */
function scramblingParameter(largeA: bigint, largeB: bigint): bigint {
  const u = toBigInt(sha256(hexBytes(padHex(largeA)), hexBytes(padHex(largeB))));
  if (u === 0n) throw unusable('u', 'is zero');
  return u;
}

/**
 * Hex of a non-negative integer as Java's `BigInteger.toByteArray()` would give it: even length, with `00`
 * before a leading digit 8–F. Cognito hashes these bytes, so one missing pad breaks every hash after it.
 */
export function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

let group: DiffieHellman | undefined;

/**
 * `base^exponent mod N` for 0 ≤ base. OpenSSL does the work; the bases it refuses as Diffie-Hellman public
 * keys (0, 1 and N−1 once reduced) take the BigInt path, which is exact and cheap for them.
 */
export function modPow(base: bigint, exponent: bigint): bigint {
  const reduced = base % N;
  // Only generator 2 is cheap: any other makes OpenSSL check the group, more than a second a call.
  group ??= createDiffieHellman(hexBytes(N_HEX), 2);
  if (exponent === 0n) return 1n;
  group.setPrivateKey(hexBytes(padHex(exponent)));
  if (reduced === G) return toBigInt(group.generateKeys());
  if (reduced <= 1n || reduced >= N - 1n) return squareAndMultiply(reduced, exponent);
  try {
    return toBigInt(group.computeSecret(hexBytes(padHex(reduced))));
  } catch {
    // OpenSSL builds that check a peer key against the group's order q = (N−1)/2 (Node 22's) refuse a base
    // that is not a quadratic residue. N is a safe prime with N ≡ 3 (mod 4), so −1 is not a residue and
    // N − base is one: base^e = (−1)^e · (N − base)^e.
    const negated = toBigInt(group.computeSecret(hexBytes(padHex(N - reduced))));
    return exponent & 1n ? (N - negated) % N : negated;
  }
}

function squareAndMultiply(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = base % N;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % N;
    square = (square * square) % N;
  }
  return result;
}

let k: bigint | undefined;

/** `k = H(padHex(N) || padHex(g))`, with g not widened to N's length (Cognito's choice, not RFC 5054's). */
function multiplier(): bigint {
  k ??= toBigInt(sha256(hexBytes(padHex(N)), hexBytes(padHex(G))));
  return k;
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function parseHex(hex: string, name: string): bigint {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw unusable(name, 'is not hexadecimal');
  return BigInt(`0x${hex}`);
}

function hexBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

/** DH outputs are fixed-length big-endian buffers: leading zero bytes are just zeros to BigInt. */
function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function unusable(name: string, problem: string): CognitoTokenError {
  return new CognitoTokenError(
    'ERR_UNAVAILABLE',
    `Cognito answered the SRP challenge with an unusable ${name} (it ${problem}); the sign-in was abandoned. ` +
      'Try again; if it persists, the endpoint is not a genuine Cognito user pool.',
  );
}

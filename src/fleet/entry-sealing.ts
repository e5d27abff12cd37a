import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { configurationError } from '../errors.js';

/**
 * The cost of stretching a password into a sealing key. N = 2^13 with r = 8 took 28 to 39 ms (median of 7)
 * on the development machine (2 vCPU AMD EPYC) and uses 8 MiB; 2^14 took 67 to 83 ms. It runs once per
 * process, on libuv's thread pool, alongside the first store read. Changing it changes every key: entries
 * sealed under other parameters read as missing and are replaced, so a change costs one sign-in per fleet.
 */
export const SCRYPT_PARAMETERS = Object.freeze({ N: 2 ** 13, r: 8, p: 1, keyLength: 32 });

const VERSION = 'ctp1';
const SEALED_PREFIX = `${VERSION}.`;
/** Store keys are keyed hashes since the second protocol: `ctp2:`, so they never meet the plain ones of the first. */
const STORE_KEY_PREFIX = 'ctp2:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * What identifies one shared entry. For a user: pool, client and username; for a client (M2M): pool or
 * token endpoint, client and the scopes asked for.
 */
export interface StoreKeyParts {
  /** The user pool ID (`eu-west-1_abc`) or, for M2M through an OAuth2 endpoint, the token endpoint URL. */
  readonly pool: string;
  readonly clientId: string;
  /** The username signed in with; absent for M2M. */
  readonly username?: string;
  /** The scopes requested; order and repeats do not matter. */
  readonly scopes?: readonly string[];
}

/**
 * The store key of an entry: `ctp2:` and the hex HMAC-SHA256 of its parts, under a key derived from
 * `keyMaterial` (the store's `encryptionKey`, or else the client secret; see {@link storeKeyMaterial}). So
 * neither usernames nor client IDs are readable in the store, and someone who knows the pool and client IDs
 * but not the key material cannot tell whether a given username has an entry. The entry, its lease and its
 * refusal mark all live under this one key.
 */
export function storeKeyOf(parts: StoreKeyParts, keyMaterial: string | Uint8Array): string {
  const scopes = [...new Set(parts.scopes ?? [])].sort();
  // The kind keeps a user entry and a client entry apart even if their other parts were to coincide.
  const kind = parts.username === undefined ? 'client' : 'user';
  const encoded = lengthPrefixed(['store key', kind, parts.pool, parts.clientId, parts.username ?? '', ...scopes]);
  const material = typeof keyMaterial === 'string' ? Buffer.from(keyMaterial, 'utf8') : keyMaterial;
  const hmacKey = hkdfKey(material, lengthPrefixed(['store key']), 'store key');
  return STORE_KEY_PREFIX + createHmac('sha256', hmacKey).update(encoded).digest('hex');
}

/**
 * What keys the store keys of a provider: the store's `encryptionKey` when it has one (every instance given it
 * shares the entries, whatever secrets they hold), else the app client's secret; `undefined` for a client
 * without a secret and a store without a key, which must not share: the password alone would key and seal the
 * entries, and anyone who can read the store could guess at it offline, past Cognito's lockout.
 */
export function storeKeyMaterial(
  store: { encryptionKey?(): Uint8Array | undefined },
  clientSecret: string | undefined,
): Uint8Array | string | undefined {
  const explicit = store.encryptionKey?.();
  if (explicit !== undefined) return explicit;
  return clientSecret !== undefined && clientSecret !== '' ? clientSecret : undefined;
}

/** The secrets a user's instances share, from which their sealing key is derived. */
export interface UserKeyMaterial {
  readonly pool: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** The app client's secret, when the client has one. */
  readonly clientSecret?: string;
}

/**
 * The sealing key of a user's entries: the password stretched with scrypt (salted with pool, client and
 * username, so every instance derives the same key), then the client secret mixed in with HKDF. An
 * instance that lacks either secret, or holds another value of it, derives another key.
 */
export function deriveUserSealingKey(material: UserKeyMaterial): Promise<Uint8Array> {
  // Once per process for the same secrets, however many providers ask: scrypt is slow on purpose, and a
  // process may hold many providers of one user (a worker pool, a test fleet).
  const id = createHash('sha256')
    .update(
      lengthPrefixed([
        material.pool,
        material.clientId,
        material.username,
        material.password,
        material.clientSecret ?? '',
      ]),
    )
    .digest('hex');
  let derived = derivedUserKeys.get(id);
  if (derived === undefined) {
    derived = stretchUserKey(material);
    // A failed derivation is not kept: the next provider tries again.
    derived.catch(() => derivedUserKeys.delete(id));
    derivedUserKeys.set(id, derived);
    // Bounded: the secrets of a few identities per process, the oldest forgotten first.
    if (derivedUserKeys.size > MAX_DERIVED_KEYS) derivedUserKeys.delete(derivedUserKeys.keys().next().value as string);
  }
  return derived;
}

const MAX_DERIVED_KEYS = 16;
const derivedUserKeys = new Map<string, Promise<Uint8Array>>();

async function stretchUserKey(material: UserKeyMaterial): Promise<Uint8Array> {
  const context = lengthPrefixed(['user', material.pool, material.clientId, material.username]);
  const salt = createHash('sha256')
    .update(lengthPrefixed(['scrypt salt']))
    .update(context)
    .digest();
  const stretched = await new Promise<Buffer>((resolve, reject) => {
    const { N, r, p, keyLength } = SCRYPT_PARAMETERS;
    scrypt(material.password, salt, keyLength, { N, r, p, maxmem: 256 * N * r * p }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
  // Length-prefixed, so "no client secret" and every secret value give distinct inputs.
  const input = lengthPrefixed([stretched, material.clientSecret ?? '']);
  stretched.fill(0);
  return hkdfKey(input, context, 'entry key: user');
}

/** The secrets a client's (M2M) instances share. */
export interface ClientKeyMaterial {
  readonly pool: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The sealing key of a client's (M2M) entries: HKDF over the client secret. A client secret is random and
 * long, so it needs no stretching.
 */
export function deriveClientSealingKey(material: ClientKeyMaterial): Promise<Uint8Array> {
  const context = lengthPrefixed(['client', material.pool, material.clientId]);
  return Promise.resolve(hkdfKey(Buffer.from(material.clientSecret, 'utf8'), context, 'entry key: client'));
}

/** The sealing key of one entry under a store's explicit `encryptionKey`: a subkey per store key. */
export function explicitSealingKey(encryptionKey: Uint8Array, storeKey: string): Uint8Array {
  return hkdfKey(encryptionKey, lengthPrefixed([storeKey]), 'entry key: explicit');
}

/**
 * Validates a store's `encryptionKey` option: 32 bytes, or their base64 (or base64url) text. Returns a copy,
 * so later changes to the caller's buffer do not reach the store.
 */
export function encryptionKeyOption(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Uint8Array) {
    if (value.byteLength === KEY_BYTES) return new Uint8Array(value);
  } else if (typeof value === 'string') {
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return new Uint8Array(Buffer.from(value, 'base64'));
  }
  // The message names the expected shape only: the value may be a real key, given in the wrong form.
  throw configurationError('encryptionKey', 'must be 32 bytes (a Uint8Array or Buffer) or the base64 text of 32 bytes');
}

/**
 * Encrypts `fields` (JSON) with AES-256-GCM under `key`, a fresh random IV, and the store key as associated
 * data, so an entry copied to another key does not open. The text is `ctp1.` and base64url.
 */
export function sealEntry(key: Uint8Array, storeKey: string, fields: Record<string, unknown>): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(storeKey));
  const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/**
 * The fields sealed in `text`, or `undefined` when it does not open: another key, another store key, any
 * changed character, or not an entry at all. Never throws.
 */
export function openEntry(key: Uint8Array, storeKey: string, text: unknown): Record<string, unknown> | undefined {
  if (!isSealedEntry(text)) return undefined;
  try {
    const body = text.slice(SEALED_PREFIX.length);
    const bytes = Buffer.from(body, 'base64url');
    // The last character carries spare bits that the decoder ignores: only the canonical text is the entry.
    if (bytes.toString('base64url') !== body) return undefined;
    const iv = bytes.subarray(0, IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(storeKey));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const fields: unknown = JSON.parse(plain.toString('utf8'));
    return typeof fields === 'object' && fields !== null && !Array.isArray(fields)
      ? (fields as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `text` has the shape of a sealed entry, whatever its key. An entry of the right shape that does not
 * open was sealed by an instance with other secrets (or tampered with); anything else means the store
 * returns something it was never given.
 */
export function isSealedEntry(text: unknown): text is string {
  if (typeof text !== 'string' || !text.startsWith(SEALED_PREFIX)) return false;
  const body = text.slice(SEALED_PREFIX.length);
  // 4 characters per 3 bytes; a lone trailing character is no valid base64url.
  return BASE64URL.test(body) && body.length % 4 !== 1 && Math.floor((body.length * 3) / 4) > IV_BYTES + TAG_BYTES;
}

function associatedData(storeKey: string): Buffer {
  return lengthPrefixed([VERSION, storeKey]);
}

function hkdfKey(input: Uint8Array, context: Uint8Array, label: string): Uint8Array {
  const info = lengthPrefixed(['cognito-token-provider', VERSION, label]);
  return new Uint8Array(hkdfSync('sha256', input, context, info, KEY_BYTES));
}

/** Each part as a 4-byte big-endian length and its bytes: no two lists of parts encode alike. */
function lengthPrefixed(parts: readonly (string | Uint8Array)[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}

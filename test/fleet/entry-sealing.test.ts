import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  deriveClientSealingKey,
  deriveUserSealingKey,
  encryptionKeyOption,
  explicitSealingKey,
  isSealedEntry,
  openEntry,
  SCRYPT_PARAMETERS,
  sealEntry,
  storeKeyMaterial,
  storeKeyOf,
} from '../../src/fleet/entry-sealing.js';

// Vectors from test/fleet/sealing-vectors.py (Python hashlib, hmac and cryptography), not from this code.
const POOL = 'eu-west-1_Example1';
const CLIENT = 'client-abc';
const USERNAME = 'svc-reporting';
const PASSWORD = 'Correct-Horse-42!';
const CLIENT_SECRET = 'client-secret-xyz';
const VECTORS = {
  userKey: 'ctp2:6e9768194d9dc402c4e4dbfd776f6e3a72f99e53175108888123f4c65a8e7096',
  clientKey: 'ctp2:45e2e8f3f3f530df7998814c02749fcc0cb3237b8b2c2ac6c2646dff9e20ba09',
  explicitKeyedUserKey: 'ctp2:3c0ae396921a861d62966536542563bd74addd877c8dfac13e4488affc874bbf',
  userSealing: 'eca40e64d0db0a72a7880a5ffe08548fca035af2d2f83ab7ffb727d1ca725c26',
  userSealingNoSecret: 'ed889f5eab79eb5057f69ff6f0341e6e41c2ff3087b8b749d14ccde3caf7a437',
  clientSealing: 'd3e03df2e2bdd7901a1fb460b5bb6bb4f8575784abbb467c99ed326046f0e1fb',
  explicitSealing: '8a2a6f4aadf7fb750fc58d007ccc492b8117f3857570a3d3dbfffb257a237e29',
  pythonSealed:
    'ctp1.ZGVmZ2hpamtsbW5v6P2AgjVptx8DTgUPdy8azTBiSaQDaBHXvuU9fTDTYNWActtoY_nhze7TtGNSa99jnU0o4G-PzsWbLZxwy4X4',
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Each part as a 4-byte big-endian length and its bytes, as the vectors' script encodes them. */
function lengthPrefixed(parts: readonly string[]): Buffer {
  return Buffer.concat(
    parts.flatMap((part) => {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ kid: 'k1', alg: 'RS256' })}.${part(claims)}.${Buffer.from('signature-bytes-0123456789').toString('base64url')}`;
}

const user = { pool: POOL, clientId: CLIENT, username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET };

describe('storeKeyOf', () => {
  it('is an HMAC of pool, client, username and sorted scopes under the key material (known answers)', () => {
    expect(storeKeyOf({ pool: POOL, clientId: CLIENT, username: USERNAME }, CLIENT_SECRET)).toBe(VECTORS.userKey);
    expect(storeKeyOf({ pool: POOL, clientId: CLIENT, scopes: ['b/write', 'a/read', 'b/write'] }, CLIENT_SECRET)).toBe(
      VECTORS.clientKey,
    );
    const explicit = Uint8Array.from({ length: 32 }, (_, index) => index);
    expect(storeKeyOf({ pool: POOL, clientId: CLIENT, username: USERNAME }, explicit)).toBe(
      VECTORS.explicitKeyedUserKey,
    );
  });

  it('does not tell, to someone who knows the pool and client IDs but not the key material, whether a username has an entry', () => {
    const parts = { pool: POOL, clientId: CLIENT, username: USERNAME };
    // What anyone could compute before: the plain hash of the parts, as the first protocol keyed entries.
    const plain = `ctp1:${createHash('sha256')
      .update(lengthPrefixed(['store key', 'user', POOL, CLIENT, USERNAME]))
      .digest('hex')}`;
    const keys = new Set([
      plain,
      storeKeyOf(parts, CLIENT_SECRET),
      storeKeyOf(parts, 'another-secret'),
      storeKeyOf(parts, ''),
      storeKeyOf(parts, new Uint8Array(32)),
    ]);
    expect(keys.size).toBe(5);
  });

  it('gives distinct keys when parts shift between fields', () => {
    const keys = new Set([
      storeKeyOf({ pool: 'p', clientId: 'ab', username: 'c' }, CLIENT_SECRET),
      storeKeyOf({ pool: 'p', clientId: 'a', username: 'bc' }, CLIENT_SECRET),
      storeKeyOf({ pool: 'pa', clientId: 'b', username: 'c' }, CLIENT_SECRET),
      storeKeyOf({ pool: 'p', clientId: 'ab', scopes: ['c'] }, CLIENT_SECRET),
      storeKeyOf({ pool: 'p', clientId: 'ab' }, CLIENT_SECRET),
    ]);
    expect(keys.size).toBe(5);
  });

  it('contains no username, in clear, base64, base64url or hex', () => {
    const username = 'alice.example@corp.test';
    const key = storeKeyOf({ pool: POOL, clientId: CLIENT, username }, CLIENT_SECRET);
    for (const form of ['utf8', 'base64', 'base64url', 'hex'] as const) {
      expect(key).not.toContain(Buffer.from(username).toString(form).slice(0, 12));
    }
    expect(key).toMatch(/^ctp2:[0-9a-f]{64}$/);
  });
});

describe('storeKeyMaterial', () => {
  const keyed = { encryptionKey: () => new Uint8Array(32).fill(3) };
  const plain = { encryptionKey: () => undefined };

  it('key the store keys with the store`s encryptionKey first, then the client secret', () => {
    expect(storeKeyMaterial(keyed, CLIENT_SECRET)).toEqual(new Uint8Array(32).fill(3));
    expect(storeKeyMaterial(plain, CLIENT_SECRET)).toBe(CLIENT_SECRET);
    expect(storeKeyMaterial({}, CLIENT_SECRET)).toBe(CLIENT_SECRET);
  });

  it('give nothing for a client without a secret and a store without a key: the password alone must key nothing', () => {
    expect(storeKeyMaterial(plain, undefined)).toBeUndefined();
    expect(storeKeyMaterial({}, '')).toBeUndefined();
    expect(storeKeyMaterial(keyed, undefined)).toEqual(new Uint8Array(32).fill(3));
  });
});

describe('sealing keys', () => {
  it('derives a user key as scrypt(password) then HKDF with the client secret (known answers)', async () => {
    expect(hex(await deriveUserSealingKey(user))).toBe(VECTORS.userSealing);
    expect(hex(await deriveUserSealingKey({ ...user, clientSecret: undefined }))).toBe(VECTORS.userSealingNoSecret);
  });

  it('derives a client key by HKDF over the client secret, and explicit subkeys per store key (known answers)', async () => {
    expect(hex(await deriveClientSealingKey({ pool: POOL, clientId: CLIENT, clientSecret: CLIENT_SECRET }))).toBe(
      VECTORS.clientSealing,
    );
    const explicit = Uint8Array.from({ length: 32 }, (_, index) => index);
    expect(hex(explicitSealingKey(explicit, `ctp1:${'0'.repeat(64)}`))).toBe(VECTORS.explicitSealing);
  });

  it('records its scrypt parameters, and stretching costs tens of milliseconds, not hundreds', async () => {
    expect(SCRYPT_PARAMETERS).toEqual({ N: 8192, r: 8, p: 1, keyLength: 32 });
    expect(Object.isFrozen(SCRYPT_PARAMETERS)).toBe(true);
    const started = performance.now();
    await deriveUserSealingKey({ ...user, username: 'timing' });
    // Loose: a loaded CI machine is slower; this catches N = 2^16 and up, not noise.
    expect(performance.now() - started).toBeLessThan(400);
  });
});

describe('sealEntry and openEntry', () => {
  const storeKey = storeKeyOf({ pool: POOL, clientId: CLIENT, username: USERNAME }, CLIENT_SECRET);
  const idToken = fakeJwt({ 'cognito:username': USERNAME, token_use: 'id', email: 'svc@corp.test' });
  const accessToken = fakeJwt({ username: USERNAME, token_use: 'access', scope: 'aws.cognito.signin.user.admin' });
  const fields = { idToken, accessToken, expiresAt: 1_900_000_000_000, username: USERNAME };

  it('round-trips the fields under the same secrets, derived independently', async () => {
    const sealed = sealEntry(await deriveUserSealingKey(user), storeKey, fields);
    expect(openEntry(await deriveUserSealingKey({ ...user }), storeKey, sealed)).toEqual(fields);
  });

  it('opens an entry sealed by an independent AES-256-GCM implementation (known answer)', async () => {
    const key = await deriveClientSealingKey({ pool: POOL, clientId: CLIENT, clientSecret: CLIENT_SECRET });
    expect(openEntry(key, `ctp1:${'0'.repeat(64)}`, VECTORS.pythonSealed)).toEqual({
      accessToken: 'tok',
      expiresAt: 1_700_000_000_000,
    });
  });

  it('uses a fresh IV each time', async () => {
    const key = await deriveUserSealingKey(user);
    expect(sealEntry(key, storeKey, fields)).not.toBe(sealEntry(key, storeKey, fields));
  });

  it.each([
    ['another password', { password: 'Correct-Horse-43!' }],
    ['another client secret (same password)', { clientSecret: 'client-secret-xyZ' }],
    ['no client secret', { clientSecret: undefined }],
    ['another user', { username: 'svc-billing' }],
    ['another client', { clientId: 'client-abd' }],
  ])('does not open under %s', async (_label, change) => {
    const sealed = sealEntry(await deriveUserSealingKey(user), storeKey, fields);
    expect(openEntry(await deriveUserSealingKey({ ...user, ...change }), storeKey, sealed)).toBeUndefined();
  });

  it('does not open under another store key (an entry copied elsewhere)', async () => {
    const key = await deriveUserSealingKey(user);
    const sealed = sealEntry(key, storeKey, fields);
    expect(
      openEntry(key, storeKeyOf({ pool: POOL, clientId: CLIENT, username: 'other' }, CLIENT_SECRET), sealed),
    ).toBeUndefined();
  });

  it('does not open after any single character is changed, dropped or added', async () => {
    const key = await deriveUserSealingKey(user);
    const sealed = sealEntry(key, storeKey, { accessToken: 'short', expiresAt: 1 });
    for (let index = 0; index < sealed.length; index++) {
      const replacement = sealed[index] === 'A' ? 'B' : 'A';
      expect(openEntry(key, storeKey, sealed.slice(0, index) + replacement + sealed.slice(index + 1))).toBeUndefined();
    }
    expect(openEntry(key, storeKey, sealed.slice(0, -1))).toBeUndefined();
    expect(openEntry(key, storeKey, `${sealed}A`)).toBeUndefined();
    expect(openEntry(key, storeKey, sealed)).toEqual({ accessToken: 'short', expiresAt: 1 });
  });

  it('does not open a variant whose last character differs only in bits the decoder ignores', async () => {
    const key = await deriveUserSealingKey(user);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 12-byte IV + 16-byte tag + the JSON: pad the value until the byte count leaves spare bits.
    let sealed = '';
    for (let padding = 0; sealed === '' || (sealed.length - 'ctp1.'.length) % 4 === 0; padding++) {
      sealed = sealEntry(key, storeKey, { accessToken: 'x'.repeat(padding), expiresAt: 1 });
    }
    const last = alphabet.indexOf(sealed.slice(-1));
    const variant = sealed.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(variant.slice(5), 'base64url')).toEqual(Buffer.from(sealed.slice(5), 'base64url'));
    expect(openEntry(key, storeKey, sealed)).toBeDefined();
    expect(openEntry(key, storeKey, variant)).toBeUndefined();
  });

  it('returns undefined for garbage and never throws', async () => {
    const key = await deriveUserSealingKey(user);
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      'ctp1.',
      'ctp1.!!!!',
      'ctp2.AAAA',
      `ctp1.${'A'.repeat(40)}`,
    ];
    for (const text of garbage) expect(openEntry(key, storeKey, text)).toBeUndefined();
    // A key of the wrong size, and an authentic entry whose plaintext is no object.
    expect(openEntry(new Uint8Array(16), storeKey, sealEntry(key, storeKey, fields))).toBeUndefined();
    const array = sealEntry(key, storeKey, ['not', 'fields'] as unknown as Record<string, unknown>);
    expect(openEntry(key, storeKey, array)).toBeUndefined();
    expect(isSealedEntry('ctp1.!!!!')).toBe(false);
    expect(isSealedEntry(sealEntry(key, storeKey, fields))).toBe(true);
  });

  it('keeps tokens, username and secrets out of the sealed text, in any encoding', async () => {
    const key = await deriveUserSealingKey(user);
    const sealed = sealEntry(key, storeKey, fields);
    const bytes = Buffer.from(sealed.slice('ctp1.'.length), 'base64url').toString('latin1');
    const [header, payload, signature] = idToken.split('.');
    // The JWT header is the same for every token of an issuer: "eyJ" and its first characters would only
    // show a token in clear; a random base64url text holds "eyJ" alone by chance (about 1 in 200 entries).
    const needles = [
      `${header?.slice(0, 10)}`,
      `${payload}`,
      `${signature}`,
      `${accessToken.split('.')[1]}`,
      PASSWORD,
      CLIENT_SECRET,
      'idToken',
      'cognito:username',
    ];
    for (const form of ['utf8', 'base64', 'base64url', 'hex'] as const) {
      needles.push(Buffer.from(USERNAME).toString(form).replace(/=+$/, ''));
    }
    for (const needle of needles) {
      expect(sealed).not.toContain(needle);
      expect(bytes).not.toContain(needle);
    }
  });
});

describe('encryptionKeyOption', () => {
  it('accepts 32 bytes or their base64/base64url text, and copies them', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, index) => index * 7);
    const fromBytes = encryptionKeyOption(bytes);
    bytes.fill(0);
    expect(fromBytes?.[1]).toBe(7);
    const text = Buffer.from(Uint8Array.from({ length: 32 }, (_, index) => 255 - index));
    expect(encryptionKeyOption(text.toString('base64'))).toEqual(new Uint8Array(text));
    expect(encryptionKeyOption(text.toString('base64url'))).toEqual(new Uint8Array(text));
    expect(encryptionKeyOption(Buffer.alloc(32, 1))).toEqual(new Uint8Array(32).fill(1));
    expect(encryptionKeyOption(undefined)).toBeUndefined();
  });

  it.each([
    ['16 bytes', new Uint8Array(16)],
    ['33 bytes', new Uint8Array(33)],
    ['base64 of 24 bytes', Buffer.alloc(24, 9).toString('base64')],
    ['a passphrase', 'correct horse battery staple but not base64!'],
    ['a number', 42],
  ])('rejects %s with ERR_CONFIGURATION, without the value in the message', (_label, value) => {
    expect(() => encryptionKeyOption(value)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringMatching(/^"encryptionKey" must be 32 bytes/),
      }),
    );
    try {
      encryptionKeyOption(value);
    } catch (error) {
      if (typeof value === 'string') expect((error as Error).message).not.toContain(value);
    }
  });
});

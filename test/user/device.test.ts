// Known answers for the device math come from amazon-cognito-identity-js, which confirms devices and signs in
// with them against real Cognito: its generateHashDevice (driven with our random draws) for the verifier that
// ConfirmDevice takes, and its device SRP key and HMAC (driven with our private exponent) for the
// DEVICE_PASSWORD_VERIFIER proof. The test server's BigInt math checks the two together.
import { inspect } from 'node:util';
import { CognitoIdentityProviderClient, ConfirmDeviceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { srpPasswordSignature, srpServerB } from '../../harness/cognito-srp-server.js';
import { withDeadline } from '../../src/core/deadline.js';
import { confirmNewDevice, deviceVerifier } from '../../src/user/device.js';
import { srpTimestamp, startSrp } from '../../src/user/srp.js';
import { CLIENT_ID, FAST_RETRIES, mockCognito } from '../helpers/providers.js';
import {
  AuthenticationHelper,
  JsbnBigInteger,
  type ReferenceHelper,
  referenceRequire,
  Sha256,
} from '../helpers/reference-srp.js';

// --- The independent implementation -------------------------------------------------------------------------

interface ReferenceWordArray {
  random(size: number): unknown;
}

const WordArray: { new (words: number[], sigBytes: number): ReferenceWordArray; prototype: ReferenceWordArray } =
  referenceRequire('amazon-cognito-identity-js/lib/utils/WordArray.js').default;

const originalRandom = WordArray.prototype.random;

/** Makes the reference library draw `draws`, in order, wherever it asks for random bytes. */
function referenceDraws(draws: Buffer[]): void {
  const queue = [...draws];
  WordArray.prototype.random = (size: number) => {
    const bytes = queue.shift();
    if (bytes === undefined || bytes.length !== size) throw new Error(`unexpected draw of ${size} bytes`);
    const words: number[] = [];
    for (let i = 0; i < size; i += 4) words.push(Buffer.concat([bytes, Buffer.alloc(4)]).readInt32BE(i));
    return new WordArray(words, size);
  };
}

/** What the reference's generateHashDevice computes: the device password, the salt and verifier (padHex). */
function referenceHashDevice(groupKey: string, deviceKey: string, draws: Buffer[]) {
  // Built first: its constructor draws its own private exponent, which plays no part here.
  const helper = new AuthenticationHelper('unused');
  let done = false;
  referenceDraws(draws);
  try {
    helper.generateHashDevice(groupKey, deviceKey, (error) => {
      if (error) throw error;
      done = true;
    });
  } finally {
    WordArray.prototype.random = originalRandom;
  }
  if (!done) throw new Error('the reference did not answer synchronously');
  return { password: helper.getRandomPassword(), salt: helper.getSaltDevices(), verifier: helper.getVerifierDevices() };
}

function replay(draws: Buffer[]): (size: number) => Buffer {
  const queue = [...draws];
  return (size) => {
    const bytes = queue.shift();
    if (bytes === undefined || bytes.length !== size) throw new Error(`unexpected draw of ${size} bytes`);
    return bytes;
  };
}

const GROUP_KEY = '-a1B2c3D4e';
const DEVICE_KEY = 'eu-west-1_6b1e2f0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

// Salts chosen for each padHex branch: a top bit set (00 prefix), a leading zero byte (shorter hex), a leading
// zero nibble (odd length), and plain; passwords vary so the verifiers do too.
const CASES = [
  { password: 'a1'.repeat(40), salt: `ff${'17'.repeat(15)}` },
  { password: '5c'.repeat(40), salt: `00${'8e'.repeat(15)}` },
  { password: '00'.repeat(40), salt: `0a${'33'.repeat(15)}` },
  { password: 'e7'.repeat(40), salt: `7f${'01'.repeat(15)}` },
  { password: '3b'.repeat(40), salt: `00007${'5'.repeat(27)}` },
  { password: '91'.repeat(40), salt: `80${'00'.repeat(15)}` },
].map(({ password, salt }) => [Buffer.from(password, 'hex'), Buffer.from(salt, 'hex')]);

describe('deviceVerifier against amazon-cognito-identity-js generateHashDevice', () => {
  it.each(CASES.map((draws, index) => [index, draws] as const))(
    'case %i: same password, salt and verifier',
    (_, draws) => {
      // Prepare
      const reference = referenceHashDevice(GROUP_KEY, DEVICE_KEY, draws);

      // Act
      const ours = deviceVerifier(GROUP_KEY, DEVICE_KEY, replay(draws));

      // Assert: ConfirmDevice gets both as the bytes of the hex, in base64, as the library sends them.
      expect(ours.password).toBe(reference.password);
      expect(ours.config).toEqual({
        Salt: Buffer.from(reference.salt, 'hex').toString('base64'),
        PasswordVerifier: Buffer.from(reference.verifier, 'hex').toString('base64'),
      });
    },
  );

  it('the cases cover every padding branch of the salt and the verifier (guards the fixtures themselves)', () => {
    const references = CASES.map((draws) => referenceHashDevice(GROUP_KEY, DEVICE_KEY, draws));
    const salts = references.map((reference) => reference.salt);
    const verifiers = references.map((reference) => reference.verifier);

    expect(salts.some((hex) => hex.startsWith('00'))).toBe(true);
    expect(salts.some((hex) => hex.length < 32)).toBe(true);
    expect(salts.some((hex) => /^0[1-9a-f]/.test(hex))).toBe(true);
    expect(verifiers.some((hex) => hex.startsWith('00'))).toBe(true);
    expect(verifiers.some((hex) => /^[1-7]/.test(hex))).toBe(true);
  });

  it('draws a fresh password and salt each time by default', () => {
    const first = deviceVerifier(GROUP_KEY, DEVICE_KEY);
    const second = deviceVerifier(GROUP_KEY, DEVICE_KEY);

    expect(first.password).not.toBe(second.password);
    expect(first.config.Salt).not.toBe(second.config.Salt);
    expect(Buffer.from(first.password, 'base64')).toHaveLength(40);
  });
});

describe('the DEVICE_PASSWORD_VERIFIER proof', () => {
  const device = deviceVerifier(GROUP_KEY, DEVICE_KEY, replay(CASES[0] as Buffer[]));
  const saltHex = Buffer.from(device.config.Salt, 'base64').toString('hex');
  const verifier = BigInt(`0x${Buffer.from(device.config.PasswordVerifier, 'base64').toString('hex')}`);
  const SECRET_BLOCK = Buffer.from('device secret block from the server').toString('base64');
  const NOW = new Date(Date.UTC(2027, 2, 7, 4, 5, 6));

  it.each([
    ['a short b', `0${'3'.repeat(63)}`, 'c4'.repeat(128)],
    ['a long b', 'ab'.repeat(128), '1f'.repeat(128)],
  ])('matches amazon-cognito-identity-js getDeviceResponse (%s)', (_, bHex, aHex) => {
    // Prepare: the server's B for the stored verifier, and the reference drawing our private exponent.
    const srpBHex = srpServerB(verifier, BigInt(`0x${bHex}`)).toString(16);
    const ours = startSrp(replay([Buffer.from(aHex, 'hex')]));
    const prototype = AuthenticationHelper.prototype;
    const random = prototype.generateRandomSmallA;
    prototype.generateRandomSmallA = () => new JsbnBigInteger(aHex, 16);
    let helper: ReferenceHelper;
    try {
      helper = new AuthenticationHelper(GROUP_KEY);
    } finally {
      prototype.generateRandomSmallA = random;
    }
    let key: Uint8Array | undefined;
    helper.getPasswordAuthenticationKey(
      DEVICE_KEY,
      device.password,
      new JsbnBigInteger(srpBHex, 16),
      new JsbnBigInteger(saltHex, 16),
      (error, result) => {
        if (error) throw error;
        key = result;
      },
    );
    const hmac = new Sha256(key);
    hmac.update(
      Buffer.concat([
        Buffer.from(GROUP_KEY),
        Buffer.from(DEVICE_KEY),
        Buffer.from(SECRET_BLOCK, 'base64'),
        Buffer.from(srpTimestamp(NOW)),
      ]),
    );
    const expected = Buffer.from(hmac.digestSync()).toString('base64');

    // Act
    const proof = ours.passwordVerifier({
      poolName: GROUP_KEY,
      userIdForSrp: DEVICE_KEY,
      password: device.password,
      saltHex,
      srpBHex,
      secretBlock: SECRET_BLOCK,
      now: NOW,
    });

    // Assert
    expect(proof).toEqual({ signature: expected, timestamp: srpTimestamp(NOW) });
  });

  it('is what the test server expects for the verifier ConfirmDevice stored, and nothing else', () => {
    // Prepare
    const b = BigInt(`0x${'5d'.repeat(128)}`);
    const srpB = srpServerB(verifier, b);
    const session = startSrp(replay([Buffer.from('2e'.repeat(128), 'hex')]));
    const prove = (password: string) =>
      session.passwordVerifier({
        poolName: GROUP_KEY,
        userIdForSrp: DEVICE_KEY,
        password,
        saltHex,
        srpBHex: srpB.toString(16),
        secretBlock: SECRET_BLOCK,
        now: NOW,
      });

    // Act
    const right = prove(device.password);
    const wrong = prove(`${device.password}x`);

    // Assert
    const expected = srpPasswordSignature({
      poolName: GROUP_KEY,
      userIdForSrp: DEVICE_KEY,
      secretBlock: SECRET_BLOCK,
      timestamp: srpTimestamp(NOW),
      srpA: BigInt(`0x${session.srpA}`),
      srpB,
      b,
      verifier,
    });
    expect(right.signature).toBe(expected);
    expect(wrong.signature).not.toBe(expected);
  });
});

describe('confirmNewDevice', () => {
  const cognito = mockCognito();
  const context = (deadline: Parameters<Parameters<typeof withDeadline>[1]>[0]) => ({
    client: () => new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
    clientId: CLIENT_ID,
    deadline,
    retryPolicy: FAST_RETRIES,
    logger: undefined,
  });

  it('sends ConfirmDevice with the access token, the key, a name and the verifier, and returns the device', async () => {
    // Prepare
    cognito.on(ConfirmDeviceCommand).resolves({ UserConfirmationNecessary: false });

    // Act
    const device = await withDeadline(5_000, (deadline) =>
      confirmNewDevice(context(deadline), 'access-token', { DeviceKey: DEVICE_KEY, DeviceGroupKey: GROUP_KEY }, 'test'),
    );

    // Assert
    const input = cognito.commandCalls(ConfirmDeviceCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ AccessToken: 'access-token', DeviceKey: DEVICE_KEY, DeviceName: 'test' });
    expect(device).toEqual({ key: DEVICE_KEY, groupKey: GROUP_KEY, password: expect.any(String) });
    const salt = BigInt(`0x${Buffer.from(input?.DeviceSecretVerifierConfig?.Salt ?? '', 'base64').toString('hex')}`);
    const reference = referenceHashDevice(GROUP_KEY, DEVICE_KEY, [
      Buffer.from(device.password, 'base64'),
      Buffer.from(salt.toString(16).padStart(32, '0'), 'hex'),
    ]);
    expect(input?.DeviceSecretVerifierConfig?.PasswordVerifier).toBe(
      Buffer.from(reference.verifier, 'hex').toString('base64'),
    );
  });

  it.each([
    ['no device key', { DeviceGroupKey: GROUP_KEY }],
    ['no group key', { DeviceKey: DEVICE_KEY }],
    ['an empty key', { DeviceKey: '', DeviceGroupKey: GROUP_KEY }],
  ])('is ERR_UNAVAILABLE for NewDeviceMetadata with %s, and sends nothing', async (_, metadata) => {
    // Act
    const failure = await withDeadline(5_000, (deadline) =>
      confirmNewDevice(context(deadline), 'access-token', metadata, 'test'),
    ).catch((error: unknown) => error);

    // Assert
    expect(failure).toMatchObject({ code: 'ERR_UNAVAILABLE' });
    expect(cognito.commandCalls(ConfirmDeviceCommand)).toHaveLength(0);
  });

  it('keeps the access token, the device key and the verifier out of a failure echoing the request', async () => {
    // Prepare: a hostile answer that quotes the whole request.
    cognito.on(ConfirmDeviceCommand).callsFake((input) => {
      throw Object.assign(new Error(`bad request ${JSON.stringify(input)}`), {
        name: 'InvalidParameterException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    });

    // Act
    const failure = await withDeadline(5_000, (deadline) =>
      confirmNewDevice(
        context(deadline),
        'access-token-0123456789',
        { DeviceKey: DEVICE_KEY, DeviceGroupKey: GROUP_KEY },
        'test',
      ),
    ).catch((error: unknown) => error);

    // Assert
    const sent = cognito.commandCalls(ConfirmDeviceCommand)[0]?.args[0].input;
    const printed = inspect(failure, { depth: Number.POSITIVE_INFINITY, showHidden: true });
    for (const secret of [
      'access-token-0123456789',
      DEVICE_KEY,
      sent?.DeviceSecretVerifierConfig?.PasswordVerifier,
      sent?.DeviceSecretVerifierConfig?.Salt,
    ]) {
      expect(printed).not.toContain(secret);
    }
  });
});

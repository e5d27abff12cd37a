import type { CognitoCredentials, UserCredentials } from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';

/** The JSON fields of a secret that hold credentials; any other field is left alone. */
const SECRET_FIELDS = [
  'username',
  'password',
  'clientSecret',
  'totpSecret',
  'deviceKey',
  'deviceGroupKey',
  'devicePassword',
] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

/** The fields that describe a remembered device, all three or none. */
const DEVICE_FIELDS = ['deviceKey', 'deviceGroupKey', 'devicePassword'] as const;

/**
 * Turns a secret's `SecretString` into credentials: a user's (`username` and `password`, with the optional
 * `clientSecret`, `totpSecret` and a remembered device) or, with neither of those, a machine-to-machine client's
 * `clientSecret`. `what` names the secret (and version) in messages. A secret that is not a JSON object, or lacks
 * what it needs, fails with `ERR_CREDENTIALS` naming what is missing and never quoting the text: it is the secret.
 */
export function credentialsFromSecret(secretString: string | undefined, what: string): CognitoCredentials {
  if (secretString === undefined) {
    throw invalid(
      `${what} has no SecretString (it holds SecretBinary only): store the credentials as JSON text, ` +
        '{"username": …, "password": …}',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // No cause: a JSON SyntaxError quotes the text it choked on, and that text is the secret.
    throw invalid(`${what} does not hold JSON in its SecretString: store {"username": …, "password": …}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(`${what} must hold a JSON object in its SecretString, such as {"username": …, "password": …}`);
  }
  const fields: Partial<Record<SecretField, string>> = {};
  for (const field of SECRET_FIELDS) {
    const value = (parsed as Record<string, unknown>)[field];
    // null counts as absent, as a template that writes every field would leave the unused ones.
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '') {
      throw invalid(`"${field}" in ${what} must be a non-empty string`);
    }
    fields[field] = value;
  }
  const { username, password, clientSecret, totpSecret } = fields;
  const device = deviceOf(fields, what);
  if (username === undefined && password === undefined) {
    if (clientSecret === undefined) {
      throw invalid(
        `${what} lacks "username" and "password" (a user's credentials), or "clientSecret" (an app client's, for ` +
          'machine-to-machine tokens)',
      );
    }
    if (device !== undefined || totpSecret !== undefined) {
      throw invalid(`${what} lacks "username" and "password", which a TOTP secret or a device goes with`);
    }
    return Object.freeze({ clientSecret });
  }
  if (username === undefined || password === undefined) {
    throw invalid(
      `${what} lacks "${username === undefined ? 'username' : 'password'}": a user's credentials need both`,
    );
  }
  const credentials: UserCredentials = {
    username,
    password,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(totpSecret === undefined ? {} : { totpSecret }),
    ...(device === undefined ? {} : { device }),
  };
  // Frozen, because every caller within maxAge gets this same object.
  return Object.freeze(credentials);
}

function deviceOf(fields: Partial<Record<SecretField, string>>, what: string): UserCredentials['device'] {
  const { deviceKey: key, deviceGroupKey: groupKey, devicePassword: password } = fields;
  if (key === undefined && groupKey === undefined && password === undefined) return undefined;
  if (key === undefined || groupKey === undefined || password === undefined) {
    const missing = DEVICE_FIELDS.filter((field) => fields[field] === undefined);
    throw invalid(
      `${what} lacks ${missing.map((field) => `"${field}"`).join(' and ')}: a remembered device needs ` +
        '"deviceKey", "deviceGroupKey" and "devicePassword" together',
    );
  }
  return Object.freeze({ key, groupKey, password });
}

/** Whether two reads hold the same credentials, so trying the second after the first was rejected is pointless. */
export function sameCredentials(a: CognitoCredentials, b: CognitoCredentials): boolean {
  const deviceA = (a as UserCredentials).device;
  const deviceB = (b as UserCredentials).device;
  return (
    a.username === b.username &&
    a.password === b.password &&
    a.clientSecret === b.clientSecret &&
    a.totpSecret === b.totpSecret &&
    deviceA?.key === deviceB?.key &&
    deviceA?.groupKey === deviceB?.groupKey &&
    deviceA?.password === deviceB?.password
  );
}

/** Every value of a read, to be cut out of any message a later request brings back. */
export function secretValuesOf(credentials: CognitoCredentials | undefined): string[] {
  if (credentials === undefined) return [];
  const { username, password, clientSecret, totpSecret, device } = credentials as Partial<UserCredentials>;
  return [username, password, clientSecret, totpSecret, device?.key, device?.groupKey, device?.password].filter(
    (value): value is string => value !== undefined,
  );
}

function invalid(message: string): CognitoTokenError {
  return new CognitoTokenError('ERR_CREDENTIALS', message);
}

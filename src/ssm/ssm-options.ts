import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { rejectUnknownOptions } from '../core/known-options.js';
import { CREDENTIAL_FIELDS, type CredentialField, quotedFields } from '../credentials/credentials.js';
import { configurationError } from '../errors.js';

/**
 * Credentials kept in one SSM parameter per value. Each value is a parameter name such as
 * `'/svc/orders/cognito/password'`, optionally with a version or label selector (`'/svc/orders/password:3'`),
 * or the ARN of a parameter shared from another account. Give at least one: a user sign-in needs `username` and
 * `password`, a machine-to-machine client only `clientSecret`.
 *
 * @example
 * ```ts
 * import { fromSsm, type SsmNamedParameters } from 'cognito-token-provider/ssm';
 * const names: SsmNamedParameters = {
 *   username: '/svc/orders/cognito/username',
 *   password: '/svc/orders/cognito/password',
 *   clientSecret: '/svc/orders/cognito/client-secret',
 * };
 * const credentials = fromSsm(names);
 * ```
 */
export interface SsmNamedParameters {
  /** Name of the parameter holding the Cognito username (or email alias). */
  readonly username?: string | undefined;
  /** Name of the SecureString parameter holding the password. */
  readonly password?: string | undefined;
  /** Name of the SecureString parameter holding the app client's secret. */
  readonly clientSecret?: string | undefined;
  /** Name of the SecureString parameter holding the user's base32 TOTP secret, for TOTP MFA. */
  readonly totpSecret?: string | undefined;
  /** Not with the named parameters: that is the JSON layout ({@link SsmJsonParameter}). */
  readonly parameter?: never;
}

/**
 * Credentials kept together in one SecureString parameter holding JSON:
 * `{"username": "…", "password": "…", "clientSecret": "…", "totpSecret": "…"}`, and for a remembered device
 * `"deviceKey"`, `"deviceGroupKey"` and `"devicePassword"` (all three or none, as `cognito-token device remember`
 * prints them). Each field is optional here (`null` counts as absent); the provider that uses the credentials
 * checks that the ones it needs are there.
 *
 * @example
 * ```ts
 * import { fromSsm, type SsmJsonParameter } from 'cognito-token-provider/ssm';
 * const json: SsmJsonParameter = { parameter: '/svc/orders/cognito' };
 * const credentials = fromSsm(json);
 * ```
 */
export interface SsmJsonParameter {
  /** Name of the SecureString parameter holding the JSON object. */
  readonly parameter: string;
  /** Not with `parameter`: the JSON holds the username. */
  readonly username?: never;
  /** Not with `parameter`: the JSON holds the password. */
  readonly password?: never;
  /** Not with `parameter`: the JSON holds the client secret. */
  readonly clientSecret?: never;
  /** Not with `parameter`: the JSON holds the TOTP secret. */
  readonly totpSecret?: never;
}

/**
 * Either your own SSM client, or the config for the one fromSsm creates on its first read. With neither,
 * fromSsm creates a client with the SDK's defaults (Region and AWS credentials from the environment).
 *
 * @example
 * ```ts
 * import type { SsmClientChoice } from 'cognito-token-provider/ssm';
 * const choice: SsmClientChoice = { clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type SsmClientChoice =
  | {
      /** An SSM client to reuse. Its own retry settings then add to fromSsm's back-off. */
      readonly client: SSMClient;
      /** Not with `client`: configure your client instead. */
      readonly clientConfig?: never;
    }
  | {
      /** Not with `clientConfig`. */
      readonly client?: never;
      /** Config for the client fromSsm creates, for example `{ region }`. `maxAttempts` defaults to 1. */
      readonly clientConfig?: SSMClientConfig | undefined;
    };

/**
 * Options of {@link fromSsm}: where the credentials are, how long to keep them, and which SSM client reads them.
 *
 * @example
 * ```ts
 * import { fromSsm, type FromSsmOptions } from 'cognito-token-provider/ssm';
 * const options: FromSsmOptions = { parameter: '/svc/orders/cognito', maxAgeSeconds: 600 };
 * const credentials = fromSsm(options);
 * ```
 */
export type FromSsmOptions = (SsmNamedParameters | SsmJsonParameter) &
  SsmClientChoice & {
    /**
     * Seconds a read is reused before SSM is asked again. Default 300. `0` reads on every call, which the
     * 40 requests per second SSM allows per account will not bear for long.
     */
    readonly maxAgeSeconds?: number | undefined;
  };

/** The fields a credentials source can fill, in the order their parameters are requested. */

const SSM_OPTION_NAMES = [...CREDENTIAL_FIELDS, 'parameter', 'maxAgeSeconds', 'client', 'clientConfig'];

/** The checked and defaulted form of {@link FromSsmOptions}. */
export interface ResolvedSsmOptions {
  /** The fields named one parameter each, in the order of `names`; empty for the JSON layout. */
  readonly fields: readonly CredentialField[];
  /** The parameter names to send to GetParameters. */
  readonly names: string[];
  readonly maxAgeMs: number;
  readonly client: SSMClient | undefined;
  readonly clientConfig: SSMClientConfig | undefined;
}

/**
 * Checks fromSsm's options before any I/O; every message names the option at fault. Parameter names are only
 * checked for shape (SSM rejects a bad one with a clear error), and never quoted: a value pasted in by mistake
 * must not end up in a log.
 */
export function resolveSsmOptions(options: FromSsmOptions): ResolvedSsmOptions {
  rejectUnknownOptions(options, SSM_OPTION_NAMES, 'fromSsm');
  // Object() lets a missing or non-object argument fail the check below, naming the options it lacks.
  const given: Record<string, unknown> = Object(options);
  const { maxAgeSeconds = 300, client, clientConfig } = given as FromSsmOptions;
  const fields = CREDENTIAL_FIELDS.filter((field) => given[field] !== undefined);
  if ((given.parameter === undefined) === (fields.length === 0)) {
    throw configurationError('parameter', `or ${quotedFields('or')} is required, not both`);
  }
  const names = (fields.length > 0 ? fields : ['parameter']).map((option) => {
    const name = given[option];
    // Parameter Store allows 2,048 characters, ARN and selector included, and no whitespace.
    if (typeof name !== 'string' || !/^\S{1,2048}$/.test(name)) {
      throw configurationError(option, 'must be an SSM parameter name');
    }
    return name;
  });
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw configurationError('maxAgeSeconds', 'must be a non-negative number');
  }
  if (client !== undefined && (clientConfig !== undefined || typeof client?.send !== 'function')) {
    throw configurationError('client', 'must be an SSMClient, without "clientConfig"');
  }
  return { fields, names, maxAgeMs: maxAgeSeconds * 1000, client, clientConfig };
}

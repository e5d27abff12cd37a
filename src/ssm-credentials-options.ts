import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { CognitoTokenError, configurationError } from './errors.js';

/**
 * Credentials kept in one SSM parameter per value. Each value is a parameter name such as
 * `'/svc/orders/cognito/password'`, a name with a version or label selector (`'/svc/orders/password:3'`), or
 * the ARN of a parameter shared from another account. Give at least one: a user sign-in needs `username` and
 * `password`, a machine-to-machine client only `clientSecret`.
 *
 * @example
 * ```ts
 * import { fromSsm, type SsmNamedParameters } from 'cognito-token-provider';
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
  readonly username?: string;
  /** Name of the SecureString parameter holding the password. */
  readonly password?: string;
  /** Name of the SecureString parameter holding the app client's secret. */
  readonly clientSecret?: string;
  readonly parameter?: never;
}

/**
 * Credentials kept together in one SecureString parameter holding JSON:
 * `{"username": "…", "password": "…", "clientSecret": "…"}`. Each field is optional here (`null` counts as
 * absent); the provider that uses the credentials checks that the ones it needs are there.
 *
 * @example
 * ```ts
 * import { fromSsm, type SsmJsonParameter } from 'cognito-token-provider';
 * const json: SsmJsonParameter = { parameter: '/svc/orders/cognito' };
 * const credentials = fromSsm(json);
 * ```
 */
export interface SsmJsonParameter {
  /** Name of the SecureString parameter holding the JSON object. */
  readonly parameter: string;
  readonly username?: never;
  readonly password?: never;
  readonly clientSecret?: never;
}

/**
 * Either your own SSM client, or the config for the one fromSsm creates on its first read. With neither,
 * fromSsm creates a client with the SDK's defaults (Region and AWS credentials from the environment).
 *
 * @example
 * ```ts
 * import type { SsmClientChoice } from 'cognito-token-provider';
 * const choice: SsmClientChoice = { clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type SsmClientChoice =
  | {
      /** An SSM client to reuse. Its own retry settings then add to fromSsm's back-off. */
      readonly client: SSMClient;
      readonly clientConfig?: never;
    }
  | {
      readonly client?: never;
      /** Config for the client fromSsm creates, for example `{ region }`. `maxAttempts` defaults to 1. */
      readonly clientConfig?: SSMClientConfig;
    };

/**
 * Options of {@link fromSsm}: where the credentials are, how long to keep them, and which SSM client reads them.
 *
 * @example
 * ```ts
 * import { fromSsm, type FromSsmOptions } from 'cognito-token-provider';
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
    readonly maxAgeSeconds?: number;
  };

export const DEFAULT_MAX_AGE_SECONDS = 300;

/** The fields a credentials source can fill, in the order their parameters are requested. */
export const CREDENTIAL_FIELDS = ['username', 'password', 'clientSecret'] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

/** Where the credentials are, once checked: one parameter per field, or one JSON parameter. */
export type SsmLayout =
  | { readonly kind: 'named'; readonly fields: ReadonlyMap<CredentialField, string> }
  | { readonly kind: 'json'; readonly parameter: string };

/** The checked and defaulted form of {@link FromSsmOptions}. */
export interface ResolvedSsmOptions {
  readonly layout: SsmLayout;
  /** Every parameter name, each once, as sent to GetParameters. */
  readonly names: readonly string[];
  readonly maxAgeMs: number;
  readonly client: SSMClient | undefined;
  readonly clientConfig: SSMClientConfig | undefined;
}

// A plain name (`cognito-password`), a hierarchy (`/svc/orders/password`), either with a `:version` or `:label`
// selector, or the ARN of a parameter shared from another account. Parameter Store allows these characters only.
const SEGMENT = '[A-Za-z0-9_.-]+';
const SELECTOR = `(?::${SEGMENT})?`;
const PARAMETER_NAME = new RegExp(
  `^(?:${SEGMENT}|(?:/${SEGMENT})+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\\d{12}:parameter(?:/${SEGMENT})+)${SELECTOR}$`,
);
// GetParameters accepts names up to 2,048 characters, ARN and selector included.
const MAX_NAME_LENGTH = 2048;

/** Validates fromSsm's options before any I/O; every message names the option at fault. */
export function resolveSsmOptions(options: FromSsmOptions): ResolvedSsmOptions {
  if (typeof options !== 'object' || options === null) {
    throw configurationError('options', 'must be an object such as { parameter: "/svc/orders/cognito" }');
  }
  const layout = resolveLayout(options);
  const names = layout.kind === 'json' ? [layout.parameter] : [...layout.fields.values()];
  const { maxAgeSeconds, client, clientConfig } = options;
  if (maxAgeSeconds !== undefined && !(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw configurationError('maxAgeSeconds', 'must be a non-negative number of seconds');
  }
  if (client !== undefined && clientConfig !== undefined) {
    throw configurationError('client', 'and "clientConfig" are mutually exclusive: give one or neither');
  }
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.send !== 'function')) {
    throw configurationError('client', 'must be an SSMClient from @aws-sdk/client-ssm');
  }
  if (clientConfig !== undefined && (typeof clientConfig !== 'object' || clientConfig === null)) {
    throw configurationError('clientConfig', 'must be an object');
  }
  return {
    layout,
    names,
    maxAgeMs: (maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000,
    client,
    clientConfig,
  };
}

function resolveLayout(options: FromSsmOptions): SsmLayout {
  const given = CREDENTIAL_FIELDS.filter((field) => options[field] !== undefined);
  if (options.parameter !== undefined) {
    if (given.length > 0) {
      throw configurationError(
        'parameter',
        `cannot be combined with ${given.map((f) => `"${f}"`).join(', ')}: name one JSON parameter, or one ` +
          'parameter per value',
      );
    }
    return { kind: 'json', parameter: checkName('parameter', options.parameter) };
  }
  if (given.length === 0) {
    throw new CognitoTokenError(
      'ERR_CONFIGURATION',
      '"username", "password", "clientSecret" or "parameter" is required: name at least one SSM parameter',
    );
  }
  const fields = new Map<CredentialField, string>();
  for (const field of given) {
    const name = checkName(field, options[field]);
    const twin = [...fields].find(([, other]) => other === name);
    if (twin !== undefined) {
      throw configurationError(field, `names the same parameter as "${twin[0]}"; each value needs its own`);
    }
    fields.set(field, name);
  }
  return { kind: 'named', fields };
}

function checkName(option: string, name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw configurationError(option, 'must be an SSM parameter name, for example "/svc/orders/cognito/password"');
  }
  if (name.length > MAX_NAME_LENGTH || !PARAMETER_NAME.test(name)) {
    throw configurationError(
      option,
      `is not a valid SSM parameter name: use letters, digits and _ . - only, as "name" or "/path/to/name" ` +
        '(optionally ":version" or ":label"), or a parameter ARN',
    );
  }
  return name;
}

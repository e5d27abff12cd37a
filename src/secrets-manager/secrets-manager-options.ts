import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { read } from '../core/failure.js';
import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';

/**
 * Either your own Secrets Manager client, or the config for the one fromSecretsManager creates on its first read.
 * With neither, fromSecretsManager creates a client with the SDK's defaults (Region and AWS credentials from the
 * environment).
 *
 * @example
 * ```ts
 * import type { SecretsManagerClientChoice } from 'cognito-token-provider/secrets-manager';
 * const choice: SecretsManagerClientChoice = { clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type SecretsManagerClientChoice =
  | {
      /** A Secrets Manager client to reuse. Its own retry settings then add to fromSecretsManager's back-off. */
      readonly client: SecretsManagerClient;
      /** Not with `client`: configure your client instead. */
      readonly clientConfig?: never;
    }
  | {
      /** Not with `clientConfig`. */
      readonly client?: never;
      /** Config for the client fromSecretsManager creates, for example `{ region }`. `maxAttempts` defaults to 1. */
      readonly clientConfig?: SecretsManagerClientConfig | undefined;
    };

/**
 * Options of {@link fromSecretsManager}: which secret holds the credentials, how long to keep a read, and which
 * Secrets Manager client reads it.
 *
 * @example
 * ```ts
 * import { type FromSecretsManagerOptions, fromSecretsManager } from 'cognito-token-provider/secrets-manager';
 * const options: FromSecretsManagerOptions = { secretId: 'svc/orders/cognito', maxAgeSeconds: 600 };
 * const credentials = fromSecretsManager(options);
 * ```
 */
export type FromSecretsManagerOptions = SecretsManagerClientChoice & {
  /** The secret's name (`svc/orders/cognito`) or ARN; an ARN reads a secret shared from another account. Required. */
  readonly secretId: string;
  /**
   * The staging label of the version to read. Default `AWSCURRENT`. Only with `AWSCURRENT` does a rejected
   * sign-in also try the `AWSPENDING` version of a rotation under way.
   */
  readonly versionStage?: string | undefined;
  /**
   * Seconds a read is reused before Secrets Manager is asked again. Default 300. `0` reads on every sign-in,
   * which costs a request (and money) each time.
   */
  readonly maxAgeSeconds?: number | undefined;
};

/** The staging label a rotation moves to its new version at the end, and the one read by default. */
export const CURRENT_STAGE = 'AWSCURRENT';
/** The staging label of the version a rotation is putting in place. */
export const PENDING_STAGE = 'AWSPENDING';

const OPTION_NAMES = ['secretId', 'versionStage', 'maxAgeSeconds', 'client', 'clientConfig'];

/** The checked and defaulted form of {@link FromSecretsManagerOptions}. */
export interface ResolvedSecretsManagerOptions {
  readonly secretId: string;
  readonly versionStage: string;
  readonly maxAgeMs: number;
  readonly client: SecretsManagerClient | undefined;
  readonly clientConfig: SecretsManagerClientConfig | undefined;
}

/**
 * Checks fromSecretsManager's options before any I/O; every message names the option at fault. The secret ID and
 * label are only checked for shape (Secrets Manager rejects a bad one with a clear error), and never quoted: a
 * value pasted in by mistake must not end up in a log.
 */
export function resolveSecretsManagerOptions(options: FromSecretsManagerOptions): ResolvedSecretsManagerOptions {
  rejectUnknownOptions(options, OPTION_NAMES, 'fromSecretsManager');
  // Object() lets a missing or non-object argument fail the checks below, naming the option it lacks.
  const given: Partial<Record<string, unknown>> = Object(options);
  const { secretId, versionStage = CURRENT_STAGE, maxAgeSeconds = 300, client, clientConfig } = given;
  // Secrets Manager allows 2,048 characters for an ARN, and no whitespace in names or labels.
  if (typeof secretId !== 'string' || !/^\S{1,2048}$/.test(secretId)) {
    throw configurationError('secretId', 'is required: the name or ARN of a Secrets Manager secret');
  }
  if (typeof versionStage !== 'string' || !/^\S{1,256}$/.test(versionStage)) {
    throw configurationError('versionStage', 'must be a staging label such as "AWSCURRENT"');
  }
  if (typeof maxAgeSeconds !== 'number' || !(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw configurationError('maxAgeSeconds', 'must be a non-negative number');
  }
  if (client !== undefined && (clientConfig !== undefined || typeof read(client, 'send') !== 'function')) {
    throw configurationError('client', 'must be a SecretsManagerClient, without "clientConfig"');
  }
  return {
    secretId,
    versionStage,
    maxAgeMs: maxAgeSeconds * 1000,
    client: client as SecretsManagerClient | undefined,
    clientConfig: clientConfig as SecretsManagerClientConfig | undefined,
  };
}

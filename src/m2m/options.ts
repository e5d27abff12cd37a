import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { lazyCognitoClient } from '../aws/cognito-request.js';
import { getClientTokenCommand } from '../aws/optional-commands.js';
import { rejectUnknownOptions } from '../core/known-options.js';
import type { CredentialsSource } from '../credentials/credentials.js';
import { configurationError } from '../errors.js';
import {
  COMMON_OPTION_NAMES,
  type CognitoClientChoice,
  type CommonProviderOptions,
  resolveCommonOptions,
} from '../provider/options.js';
import type { ResolvedProviderOptions } from '../provider/token-kernel.js';
import { clientSecretLoaderOf } from './secret.js';
import { tokenEndpointUrl } from './token-endpoint.js';

/**
 * The app client's secret: a fixed value, or a source such as `fromSsm({ clientSecret: '/svc/m2m/secret' })`
 * that resolves to an object with `clientSecret`. Exactly one of the two.
 *
 * @example
 * ```ts
 * import type { ClientSecretChoice } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
 *
 * const fixed: ClientSecretChoice = { clientSecret: process.env.M2M_CLIENT_SECRET! };
 * // Read per token request, and re-read once after Cognito rejects it, so a rotated secret needs no restart.
 * const rotated: ClientSecretChoice = { credentials: fromSsm({ clientSecret: '/svc/m2m/secret' }) };
 * ```
 */
export type ClientSecretChoice =
  | {
      /** The app client's secret. */
      readonly clientSecret: string;
      /** Not with `clientSecret`. */
      readonly credentials?: never;
    }
  | {
      /** Not with `credentials`. */
      readonly clientSecret?: never;
      /** A source of `{ clientSecret }`, read for each token request and reloaded once if Cognito rejects it. */
      readonly credentials: CredentialsSource;
    };

/**
 * Where tokens come from: the SDK's GetClientToken (the default; signed, so AWS credentials are needed), or
 * the user pool's OAuth2 token endpoint over `fetch` (no AWS credentials, no SDK call).
 *
 * @example
 * ```ts
 * import type { ClientTokenSourceChoice } from 'cognito-token-provider';
 * const viaSdk: ClientTokenSourceChoice = { clientConfig: { region: 'eu-west-1' } };
 * const viaDomain: ClientTokenSourceChoice = { domain: 'my-prefix.auth.eu-west-1.amazoncognito.com' };
 * const viaUrl: ClientTokenSourceChoice = { tokenEndpoint: 'https://auth.example.com/oauth2/token' };
 * ```
 */
export type ClientTokenSourceChoice =
  | ({
      /** Not with `client`, `clientConfig` or `region`: those are for GetClientToken. */
      readonly tokenEndpoint?: never;
      /** Not with `client`, `clientConfig` or `region`: those are for GetClientToken. */
      readonly domain?: never;
    } & CognitoClientChoice)
  | {
      /**
       * The OAuth2 token endpoint's full URL, for example `https://auth.example.com/oauth2/token`. Must be
       * `https`; plain `http` only on loopback hosts (localhost, 127.0.0.0/8, ::1).
       */
      readonly tokenEndpoint: string;
      /** Not with `tokenEndpoint`, which it is shorthand for. */
      readonly domain?: never;
      /** Not with `tokenEndpoint`: the endpoint is called with `fetch`, not the SDK. */
      readonly client?: never;
      /** Not with `tokenEndpoint`: the endpoint is called with `fetch`, not the SDK. */
      readonly clientConfig?: never;
      /** Not with `tokenEndpoint`: the endpoint's URL says where it is. */
      readonly region?: never;
    }
  | {
      /**
       * The user pool domain's host name, shorthand for `tokenEndpoint: 'https://<domain>/oauth2/token'`, for
       * example `my-prefix.auth.eu-west-1.amazoncognito.com` or a custom domain such as `auth.example.com`.
       */
      readonly domain: string;
      /** Not with `domain`, which is shorthand for it. */
      readonly tokenEndpoint?: never;
      /** Not with `domain`: the token endpoint is called with `fetch`, not the SDK. */
      readonly client?: never;
      /** Not with `domain`: the token endpoint is called with `fetch`, not the SDK. */
      readonly clientConfig?: never;
      /** Not with `domain`: the domain says where the endpoint is. */
      readonly region?: never;
    };

/**
 * Options of {@link createClientTokenProvider}. `region`, `client` and `clientConfig` apply to GetClientToken
 * only, and are refused together with `tokenEndpoint` or `domain`.
 *
 * @example
 * ```ts
 * import type { ClientTokenProviderOptions } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
 *
 * const options: ClientTokenProviderOptions = {
 *   clientId: '1example23456789',
 *   credentials: fromSsm({ clientSecret: '/svc/m2m/secret' }),
 *   scopes: ['orders/read'],
 *   domain: 'my-prefix.auth.eu-west-1.amazoncognito.com',
 * };
 * ```
 */
export type ClientTokenProviderOptions = CommonProviderOptions &
  ClientSecretChoice &
  ClientTokenSourceChoice & {
    /**
     * Custom scopes to ask for, such as `['orders/read']`. Default: none named, and Cognito grants every
     * custom scope the app client allows.
     */
    readonly scopes?: readonly string[] | undefined;
  };

const CLIENT_OPTION_NAMES = [
  ...COMMON_OPTION_NAMES,
  'clientSecret',
  'credentials',
  'scopes',
  'tokenEndpoint',
  'domain',
];

/** How the provider asks for tokens, decided once at construction. */
type ClientTokenSource =
  | { readonly kind: 'get-client-token'; readonly client: () => CognitoIdentityProviderClient }
  | { readonly kind: 'token-endpoint'; readonly url: URL };

/** The checked and defaulted form of {@link ClientTokenProviderOptions}: the kernel's shape, and how to ask. */
export interface ResolvedClientTokenOptions extends ResolvedProviderOptions {
  readonly scopes: readonly string[];
  readonly source: ClientTokenSource;
}

// RFC 6749 §3.3 scope-token: printable ASCII except space, '"' and '\'.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Validates every option before any I/O; each message names the option. */
export function resolveClientOptions(options: ClientTokenProviderOptions): ResolvedClientTokenOptions {
  rejectUnknownOptions(options, CLIENT_OPTION_NAMES, 'createClientTokenProvider');
  const common = resolveCommonOptions(options);
  const credentials = clientSecretLoaderOf(options.clientSecret, options.credentials);
  const scopes = resolveScopes(options.scopes);
  const url = tokenEndpointUrl(options.tokenEndpoint, options.domain);
  if (url !== undefined) {
    const via = options.tokenEndpoint === undefined ? '"domain"' : '"tokenEndpoint"';
    for (const sdkOnly of ['client', 'clientConfig', 'region'] as const) {
      if (options[sdkOnly] !== undefined) {
        throw configurationError(sdkOnly, `cannot be combined with ${via}: the token endpoint is called with fetch`);
      }
    }
    return { ...common, credentials, scopes, source: { kind: 'token-endpoint', url } };
  }
  if (getClientTokenCommand() === undefined) {
    throw configurationError(
      'domain',
      '(or "tokenEndpoint") is required: the installed @aws-sdk/client-cognito-identity-provider has no ' +
        'GetClientTokenCommand; install a newer version, or give the user pool domain to use the OAuth2 token endpoint',
    );
  }
  const client = lazyCognitoClient(options.client, options.clientConfig, common.region);
  return { ...common, credentials, scopes, source: { kind: 'get-client-token', client } };
}

function resolveScopes(scopes: unknown): readonly string[] {
  if (scopes === undefined) return [];
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope))) {
    throw configurationError('scopes', 'must be an array of scope names without spaces, such as ["orders/read"]');
  }
  return Object.freeze([...scopes]);
}

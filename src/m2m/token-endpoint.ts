import { parseJsonObject } from '../core/json-object.js';
import { redact, sanitize } from '../core/redaction.js';
import { CognitoTokenError, configurationError } from '../errors.js';
import type { ClientTokenGrant } from './grant.js';

/**
 * A non-2xx answer of the token endpoint, shaped like an AWS SDK service error so the shared retry loop and
 * error mapping read it unchanged: `name` is the OAuth2 `error` code (`invalid_client`, `slow_down`) or
 * `TokenEndpointError`, `$metadata.httpStatusCode` the status, `$fault` server for 5xx.
 */
export class TokenEndpointError extends Error {
  readonly $metadata: { readonly httpStatusCode: number };
  readonly $fault: 'client' | 'server';

  constructor(status: number, oauthError: string | undefined, message: string) {
    super(message);
    this.name = oauthError ?? 'TokenEndpointError';
    this.$metadata = { httpStatusCode: status };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

/** One client-credentials request: where, as whom, for what. */
interface ClientCredentialsRequest {
  readonly url: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  /** Sent as `aws_client_metadata`, a JSON object, for the user pool's pre-token-generation trigger. */
  readonly clientMetadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * Resolves the `tokenEndpoint` or `domain` option to the token endpoint's URL, or `undefined` when neither is
 * given. The client secret travels in every request, so the URL must be `https`, except on loopback hosts.
 */
export function tokenEndpointUrl(tokenEndpoint: unknown, domain: unknown): URL | undefined {
  if (tokenEndpoint !== undefined && domain !== undefined) {
    throw configurationError('tokenEndpoint', 'and "domain" are mutually exclusive: give one or neither');
  }
  if (domain !== undefined) return domainUrl(domain);
  if (tokenEndpoint === undefined) return undefined;
  const url = typeof tokenEndpoint === 'string' ? parseUrl(tokenEndpoint) : undefined;
  if (url === undefined) {
    throw configurationError(
      'tokenEndpoint',
      'must be an absolute URL such as "https://auth.example.com/oauth2/token"',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw configurationError('tokenEndpoint', 'must not contain a user name or password: give "clientSecret"');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw configurationError(
      'tokenEndpoint',
      'must be an https URL: the client secret is sent with every request, so plain http is allowed only for ' +
        'loopback hosts (localhost, 127.0.0.0/8, ::1)',
    );
  }
  return url;
}

// A bare host, optionally with a port: "my-prefix.auth.eu-west-1.amazoncognito.com" or "auth.example.com".
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;

function domainUrl(domain: unknown): URL {
  // The pattern alone lets through what URL refuses (a port above 65535, a malformed "xn--" label), and URL's
  // own TypeError would escape from the factory: both checks, one message.
  const url = typeof domain === 'string' && HOST.test(domain) ? parseUrl(`https://${domain}/oauth2/token`) : undefined;
  if (url === undefined) {
    throw configurationError(
      'domain',
      'must be the user pool domain\'s host name, such as "my-prefix.auth.eu-west-1.amazoncognito.com", ' +
        'optionally with a port up to 65535, without "https://" or a path (give a full URL as "tokenEndpoint" ' +
        'instead)',
    );
  }
  return url;
}

// URL.parse would do, but only from Node 20.18; engines allows any Node 20.
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isLoopbackHost(hostname: string): boolean {
  // URL has already normalised the host: "127.1" reads "127.0.0.1", IPv6 stays in brackets.
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The `Authorization` header of RFC 6749 §2.3.1: the client ID and secret are each form-encoded
 * (application/x-www-form-urlencoded) before they are joined with `:` and Base64-encoded, so a `:` or `%` in
 * either survives the trip. It is a credential: never log it.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}

/**
 * POSTs `grant_type=client_credentials` to the token endpoint and reads its JSON answer. Non-2xx answers
 * reject with a {@link TokenEndpointError}; a 2xx answer that is not a JSON object rejects with
 * `ERR_UNAVAILABLE`. Redirects are not followed: they would carry the secret to a URL nobody checked.
 */
export async function requestClientCredentialsGrant(
  request: ClientCredentialsRequest,
  signal: AbortSignal,
): Promise<ClientTokenGrant> {
  const { url, clientId, clientSecret, scopes, clientMetadata } = request;
  const authorization = basicAuthorization(clientId, clientSecret);
  // The Base64 part alone gives the secret away, so it is redacted wherever it appears.
  const secrets = [clientSecret, formEncode(clientSecret), authorization.slice('Basic '.length)];
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scopes.length > 0) body.set('scope', scopes.join(' '));
  if (clientMetadata !== undefined) body.set('aws_client_metadata', JSON.stringify(clientMetadata));
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        Authorization: authorization,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body,
      redirect: 'manual',
      signal,
    });
    text = await response.text();
  } catch (error) {
    // Rethrown for the retry loop to classify, but it may become a `cause`, which gets printed: a sanitised
    // stand-in keeps its name and network code, and nothing else.
    throw sanitize(error, secrets, request.url.host);
  }
  const json = parseJsonObject(text);
  if (!response.ok) {
    // So is any token the answer carries despite its status.
    throw endpointError(response.status, json, [...secrets, ...tokensIn(json)]);
  }
  if (json === undefined) {
    // The body is not quoted: whatever it is, it may hold the token.
    throw new CognitoTokenError(
      'ERR_UNAVAILABLE',
      `The token endpoint answered HTTP ${response.status} with a body that is not a JSON object`,
    );
  }
  return {
    accessToken: typeof json.access_token === 'string' ? json.access_token : undefined,
    expiresIn: numberOf(json.expires_in),
    tokenType: typeof json.token_type === 'string' ? json.token_type : undefined,
    scope: typeof json.scope === 'string' ? json.scope : undefined,
  };
}

function endpointError(
  status: number,
  json: Record<string, unknown> | undefined,
  secrets: readonly string[],
): TokenEndpointError {
  // The code becomes the error's name, which util.inspect prints: one that echoes a secret is dropped.
  const oauthError = typeof json?.error === 'string' ? json.error : '';
  const code =
    /^[\x21-\x7e]{1,64}$/.test(oauthError) && redact(oauthError, secrets) === oauthError ? oauthError : undefined;
  // Redacted before it is cut: a cut through a secret would leave its beginning where no redaction finds it.
  const rawDescription = typeof json?.error_description === 'string' ? json.error_description : '';
  const description = redact(rawDescription, longestFirst(secrets)).trim().slice(0, 300);
  const redirect = status >= 300 && status < 400 ? ' (a redirect: give the final URL of the token endpoint)' : '';
  return new TokenEndpointError(
    status,
    code,
    `HTTP ${status}${redirect}${description === '' ? '' : `: ${description}`}`,
  );
}

// A secret inside a longer one (the raw secret inside a token, say) must not break the longer one up first.
function longestFirst(secrets: readonly string[]): string[] {
  return [...secrets].sort((a, b) => b.length - a.length);
}

// Token fields of an error answer: a misbehaving server may fill them, and echo them in its description.
function tokensIn(json: Record<string, unknown> | undefined): string[] {
  return ['access_token', 'refresh_token', 'id_token'].flatMap((field) => {
    const value = json?.[field];
    return typeof value === 'string' ? [value] : [];
  });
}

// Some servers send expires_in as a string; RFC 6749 says a number.
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/**
 * A server-side check of AWS Signature Version 4 for the test endpoints, so "the SDK signed this request" is
 * something a test can observe.
 *
 * API: `LOCAL_AWS_CREDENTIALS` (the dummy key pair every local SDK client in the tests uses) and
 * `checkSigV4(request, expect)` → `undefined` when the request is signed as expected, otherwise the AWS error
 * the real service would answer with (`MissingAuthenticationTokenException`, `IncompleteSignatureException`,
 * `UnrecognizedClientException`, `InvalidSignatureException`).
 *
 * With `expect.credentials` it verifies the signature math (canonical request, string to sign, derived key),
 * the credential scope and the 15-minute clock window, as AWS does. With `credentials: 'any'` it checks only
 * that a well-formed SigV4 `Authorization` header and `X-Amz-Date` are present (shape, not signature).
 *
 * @example
 * ```ts
 * const problem = checkSigV4({ method, url, headers, body }, { service: 'ssm', credentials: LOCAL_AWS_CREDENTIALS });
 * if (problem !== undefined) sendAwsError(res, 400, problem.errorType, problem.message);
 * ```
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A key pair for local endpoints. Not a real AWS credential. */
export interface TestAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The dummy credentials local SDK clients sign with and the test endpoints verify against.
 *
 * @example
 * ```ts
 * const ssm = new SSMClient({ endpoint, region: 'eu-west-1', credentials: LOCAL_AWS_CREDENTIALS });
 * ```
 */
export const LOCAL_AWS_CREDENTIALS: TestAwsCredentials = Object.freeze({
  accessKeyId: 'AKIDLOCALTEST',
  secretAccessKey: 'local-test-secret-key',
});

/** The parts of a received request the signature covers. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query, as received (`/`, `/?a=b`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** What the signature must match. */
export interface SigV4Expectation {
  /** The signing name, for example `ssm`. */
  readonly service: string;
  /** The key pair to verify against, or `'any'` to check the header's presence and shape only. */
  readonly credentials: TestAwsCredentials | 'any';
  /** The clock to judge `X-Amz-Date` by. Default `Date.now()`. */
  readonly now?: number;
}

/** Why a request is refused, as AWS would say it. */
export interface SigV4Problem {
  readonly errorType: string;
  readonly message: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;

/**
 * Checks a request's SigV4 signature. See the file comment for what is and is not verified.
 *
 * @example
 * ```ts
 * expect(checkSigV4(request, { service: 'ssm', credentials: 'any' })).toBeUndefined();
 * ```
 */
export function checkSigV4(request: SignedRequest, expect: SigV4Expectation): SigV4Problem | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) {
    return { errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const match = AUTHORIZATION.exec(authorization);
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (match === null || amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return {
      errorType: 'IncompleteSignatureException',
      message: 'Authorization header requires Credential, SignedHeaders and Signature, and X-Amz-Date is required',
    };
  }
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
  if (service !== expect.service || !amzDate.startsWith(date as string)) {
    return {
      errorType: 'InvalidSignatureException',
      message: `Credential should be scoped to service '${expect.service}'`,
    };
  }
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs((expect.now ?? Date.now()) - signedAt) > FIFTEEN_MINUTES_MS) {
    return { errorType: 'InvalidSignatureException', message: 'Signature expired' };
  }
  const headerNames = (signedHeaders as string).split(';');
  if (!headerNames.includes('host') || !headerNames.includes('x-amz-date')) {
    return { errorType: 'IncompleteSignatureException', message: 'host and x-amz-date must be signed' };
  }
  if (expect.credentials === 'any') return undefined;
  if (accessKeyId !== expect.credentials.accessKeyId) {
    return {
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const expected = computeSignature(request, {
    amzDate,
    scope: `${date}/${region}/${service}/aws4_request`,
    headerNames,
    secretAccessKey: expect.credentials.secretAccessKey,
    date: date as string,
    region: region as string,
    service: service as string,
  });
  const matches = timingSafeEqual(Buffer.from(expected), Buffer.from(signature as string));
  return matches
    ? undefined
    : {
        errorType: 'InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
}

interface SigningInputs {
  readonly amzDate: string;
  readonly scope: string;
  readonly headerNames: readonly string[];
  readonly secretAccessKey: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

function computeSignature(request: SignedRequest, inputs: SigningInputs): string {
  const [path = '/', query = ''] = request.url.split('?', 2);
  const payloadHash =
    headerValue(request.headers, 'x-amz-content-sha256') ?? createHash('sha256').update(request.body).digest('hex');
  const canonicalHeaders = inputs.headerNames
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    path,
    canonicalQuery(query),
    canonicalHeaders,
    inputs.headerNames.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    inputs.amzDate,
    inputs.scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${inputs.secretAccessKey}`, inputs.date), inputs.region), inputs.service),
    'aws4_request',
  );
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => pair.split('=', 2).map((part) => encodeRfc3986(decodeURIComponent(part ?? ''))))
    .sort(([a = '', b = ''], [c = '', d = '']) => (a === c ? (b < d ? -1 : 1) : a < c ? -1 : 1))
    .map(([key = '', value = '']) => `${key}=${value}`)
    .join('&');
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

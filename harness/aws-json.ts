/**
 * Small pieces of the AWS JSON 1.1 protocol shared by the test endpoints: reading a request body, parsing it
 * leniently, and answering with an AWS error the SDK deserialises into a named exception.
 *
 * API: `readBody(stream)`, `parseJsonObject(body)`, `sendAwsError(res, status, type, message)`,
 * `sendAwsJson(res, output)`, `operationOf(req)`, and the `AWS_JSON_11` content type.
 *
 * @example
 * ```ts
 * const input = parseJsonObject(await readBody(req));
 * if (input.Names === undefined) sendAwsError(res, 400, 'ValidationException', 'Names is required');
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The content type of AWS JSON 1.1 requests and answers. */
export const AWS_JSON_11 = 'application/x-amz-json-1.1';

/**
 * Reads a whole request or response body.
 *
 * @example
 * ```ts
 * const body = await readBody(req);
 * ```
 */
export function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/**
 * Parses a JSON object; anything else (empty, malformed, an array) gives `{}`.
 *
 * @example
 * ```ts
 * const { ClientId } = parseJsonObject(body);
 * ```
 */
export function parseJsonObject(body: Buffer | string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString());
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The operation named by `X-Amz-Target` (`AmazonSSM.GetParameters` → `GetParameters`), or `''`.
 *
 * @example
 * ```ts
 * if (operationOf(req) !== 'GetParameters') sendAwsError(res, 400, 'UnknownOperationException', 'unknown');
 * ```
 */
export function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' ? (target.split('.')[1] ?? '') : '';
}

/**
 * Answers with an AWS error, in both places the SDK looks for its type (header and `__type`).
 *
 * @example
 * ```ts
 * sendAwsError(res, 400, 'TooManyRequestsException', 'Rate exceeded');
 * ```
 */
export function sendAwsError(res: ServerResponse, status: number, errorType: string, message: string): void {
  res.writeHead(status, { 'content-type': AWS_JSON_11, 'x-amzn-errortype': errorType });
  res.end(JSON.stringify({ __type: errorType, message }));
}

/**
 * Answers 200 with a JSON output.
 *
 * @example
 * ```ts
 * sendAwsJson(res, { Parameters: [], InvalidParameters: ['/missing'] });
 * ```
 */
export function sendAwsJson(res: ServerResponse, output: unknown): void {
  res.writeHead(200, { 'content-type': AWS_JSON_11 });
  res.end(JSON.stringify(output));
}

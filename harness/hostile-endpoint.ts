/**
 * An AWS JSON endpoint on a free loopback port that answers the way a broken or hostile service might: echoing
 * the request in an error body, dropping the connection after 2xx headers, answering 404 with nothing, never
 * answering, or handing back a well-formed but unusable output. The real SDK clients reach it through their
 * `endpoint` option, so the tests go through serialisation, the HTTP handler and error parsing as in production.
 *
 * API: `startHostileEndpoint()` → `{ endpoint, host, requests, answer(reply), stop() }`; the `Reply` helpers
 * `echoError`, `partialBody`, `emptyStatus`, `hang` and `json`; and `closedPort()`, a port nothing listens on.
 *
 * @example
 * ```ts
 * const endpoint = await startHostileEndpoint();
 * endpoint.answer(echoError(500, 'InternalErrorException'));
 * const client = new CognitoIdentityProviderClient({ endpoint: endpoint.endpoint, region: 'eu-west-1' });
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { AWS_JSON_11, operationOf, readBody } from './aws-json.js';
import { startLoopbackServer } from './loopback-server.js';

/** One request as the endpoint saw it. */
export interface HostileRequest {
  /** From `X-Amz-Target`, for example `InitiateAuth` or `GetParameters`. */
  readonly operation: string;
  readonly body: string;
}

/** How the endpoint answers one request; `body` is the raw request body, for answers that echo it. */
export type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface HostileEndpoint {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** `127.0.0.1:<port>`, what a message naming the endpoint's host shows. */
  readonly host: string;
  readonly requests: HostileRequest[];
  /** Sets the answers: one per request in order, the last one repeated for every later request. */
  answer(...replies: Reply[]): void;
  stop(): Promise<void>;
}

/**
 * Starts the endpoint. Until `answer` is called, every request gets a 500.
 *
 * @example
 * ```ts
 * const endpoint = await startHostileEndpoint();
 * endpoint.answer(partialBody(), json({ Parameters: [] }));
 * ```
 */
export async function startHostileEndpoint(): Promise<HostileEndpoint> {
  const requests: HostileRequest[] = [];
  let replies: Reply[] = [emptyStatus(500)];
  const server = await startLoopbackServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    requests.push({ operation: operationOf(req), body });
    const reply = (replies.length > 1 ? replies.shift() : replies[0]) as Reply;
    reply(req, res, body);
  }, 'InternalErrorException');
  return {
    endpoint: server.endpoint,
    host: server.endpoint.replace(/^http:\/\//, ''),
    requests,
    answer: (...next) => {
      replies = next;
    },
    stop: () => server.stop(),
  };
}

/**
 * An AWS error whose body carries, besides `__type` and `message`, the raw request in a `detail` field: the SDK
 * copies every body field onto the exception it throws.
 *
 * @example
 * ```ts
 * endpoint.answer(echoError(400, 'InvalidParameterException', (body) => `bad request ${body}`));
 * ```
 */
export function echoError(status: number, type: string, message: (body: string) => string = () => 'failed'): Reply {
  return (_req, res, body) => {
    res.writeHead(status, { 'content-type': AWS_JSON_11, 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message: message(body), detail: body }));
  };
}

/**
 * `200` with `content-length: 4000`, the first 25 bytes of a JSON object, then a reset connection: the SDK
 * records the 200 on the error it throws.
 *
 * @example
 * ```ts
 * endpoint.answer(partialBody());
 * ```
 */
export function partialBody(): Reply {
  return (req, res) => {
    res.writeHead(200, { 'content-type': AWS_JSON_11, 'content-length': '4000' });
    res.write('{"AuthenticationResult":{');
    // Give the bytes time to leave before the reset, so the client sees a body cut short, not a refused request.
    setTimeout(() => req.socket.resetAndDestroy(), 20);
  };
}

/**
 * A status with an empty body and no AWS error type.
 *
 * @example
 * ```ts
 * endpoint.answer(emptyStatus(404));
 * ```
 */
export function emptyStatus(status: number): Reply {
  return (_req, res) => {
    res.writeHead(status);
    res.end();
  };
}

/**
 * No answer at all: the connection stays open until the client gives up or the endpoint stops.
 *
 * @example
 * ```ts
 * endpoint.answer(hang());
 * ```
 */
export function hang(): Reply {
  return () => undefined;
}

/**
 * `200` with this JSON output, whatever its shape.
 *
 * @example
 * ```ts
 * endpoint.answer(json({ Parameters: 'not-a-list' }));
 * ```
 */
export function json(output: unknown): Reply {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': AWS_JSON_11 });
    res.end(JSON.stringify(output));
  };
}

/**
 * A loopback port nothing listens on (bound, read, released), for refused connections.
 *
 * @example
 * ```ts
 * const endpoint = `http://127.0.0.1:${await closedPort()}`;
 * ```
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the token endpoint saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How the endpoint answers one request: a status with a JSON or raw body, or no answer at all. */
export type Reply =
  | {
      readonly status: number;
      readonly json?: unknown;
      readonly body?: string;
      readonly headers?: Record<string, string>;
    }
  | 'hang';

export interface TokenEndpointServer {
  /** `http://127.0.0.1:<port>/oauth2/token` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next requests with these replies, in order, before falling back on the default. */
  replyOnce(...replies: Reply[]): void;
  /** Sets the answer used when no one-off reply is queued. */
  replyAlways(reply: (request: RecordedRequest) => Reply): void;
  /** Forgets the recorded requests and any one-off reply a test queued but never used, and answers with `reply`. */
  reset(reply: (request: RecordedRequest) => Reply): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for the user pool's OAuth2 token endpoint on a free loopback port: it records every request and
 * answers as told. Nothing here knows OAuth2; the tests say what a real endpoint would answer.
 */
export async function startTokenEndpoint(fallback: (request: RecordedRequest) => Reply): Promise<TokenEndpointServer> {
  const requests: RecordedRequest[] = [];
  const queued: Reply[] = [];
  let answer = fallback;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: RecordedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      const reply = queued.shift() ?? answer(request);
      if (reply === 'hang') return;
      const body = reply.json === undefined ? (reply.body ?? '') : JSON.stringify(reply.json);
      const type = reply.json === undefined ? 'text/plain' : 'application/json';
      outgoing.writeHead(reply.status, { 'content-type': type, ...reply.headers });
      outgoing.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/oauth2/token`,
    requests,
    replyOnce: (...replies) => queued.push(...replies),
    replyAlways: (reply) => {
      answer = reply;
    },
    reset: (reply) => {
      requests.length = 0;
      queued.length = 0;
      answer = reply;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads an RFC 6749 §2.3.1 Basic header back into the client ID and secret, the way a server does. */
export function decodeBasicAuthorization(header: string | undefined): { clientId: string; clientSecret: string } {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (encoded === undefined) throw new Error(`not a Basic authorization header: ${header}`);
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
}

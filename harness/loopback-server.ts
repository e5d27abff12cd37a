/**
 * An HTTP server on a free loopback port (never a fixed one), shared by the test endpoints.
 *
 * `handle` answers each request; when it fails before answering, the client gets a 500 AWS error named
 * `errorName`. `stop()` closes the server and cuts any connection still open (a hung request, a keep-alive
 * socket), so tests never wait on a client; calling it again returns the same promise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendAwsError } from './aws-json.js';

export interface LoopbackServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  errorName: string,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendAwsError(res, 500, errorName, `test endpoint failure: ${String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopping;
    },
  };
}

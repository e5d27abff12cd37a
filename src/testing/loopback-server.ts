import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server's address, and how to stop it. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Closes the server and its open connections; the same promise however often it is called. */
  stop(): Promise<void>;
}

/**
 * Starts `answer` on a free port of 127.0.0.1. The server does not keep the test process alive (unref), and
 * stopping it also ends the connections a client keeps open.
 */
export async function listenOnLoopback(
  answer: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<LoopbackServer> {
  const server = createServer((req, res) => {
    void answer(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

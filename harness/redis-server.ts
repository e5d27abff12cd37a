/**
 * A Redis for tests and benchmarks: a `redis-server` child process on a free loopback port, without
 * persistence, stopped with the test.
 *
 * API: `redisServerBinary()` → the binary's path or `undefined`; `startRedisServer()` →
 * {@link RedisServerHandle} `{ port, url, stop() }`.
 *
 * @example
 * ```ts
 * if (redisServerBinary() !== undefined) {
 *   const redis = await startRedisServer();
 *   const client = new Redis(redis.url);
 *   // ...
 *   client.disconnect();
 *   await redis.stop();
 * }
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A running redis-server. */
export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * The path of `redis-server` (`REDIS_SERVER` if set, else the first on `PATH`), or `undefined` when there
 * is none, for tests that must say why they skip.
 *
 * @example
 * ```ts
 * const skip = redisServerBinary() === undefined && process.env.CI !== 'true';
 * ```
 */
export function redisServerBinary(): string | undefined {
  const candidates = process.env.REDIS_SERVER
    ? [process.env.REDIS_SERVER]
    : (process.env.PATH ?? '').split(delimiter).map((directory) => join(directory, 'redis-server'));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts `redis-server` on 127.0.0.1 and a free port, with no RDB snapshots and no append-only file, and
 * resolves once it answers PING.
 *
 * @example
 * ```ts
 * const { url, stop } = await startRedisServer();
 * ```
 */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const binary = redisServerBinary();
  if (binary === undefined) throw new Error('redis-server not found on PATH (or REDIS_SERVER)');
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = () => stopChild(child, exited);
  try {
    await waitForPing(port, child, 10_000);
  } catch (error) {
    await stop();
    throw new Error(`redis-server did not start on port ${port}: ${stderr.trim()}`, { cause: error });
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (await answersPing(port)) return;
    if (Date.now() > giveUpAt) throw new Error(`no PONG within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One PING over a raw connection, so the harness needs no Redis client. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

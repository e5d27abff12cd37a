/**
 * A simulated fleet: child processes (`test/fixtures/fleet/fleet-child.mjs`), each with many user (or M2M)
 * token providers from the BUILT package sharing one store, released together. For `test/integration/fleet.test.ts`
 * and `scripts/bench/fleet.ts`; run `npm run build` first.
 *
 * API: `startFleet(count, options)` → {@link Fleet} (resolves once every process is ready), `startFleetProcess`
 * for one, and `summariseFleet(reports)` for the figures both the test and the bench report.
 *
 * @example
 * ```ts
 * const fleet = await startFleet(4, { instances: 50, cognito, store: { kind: 'redis', url } });
 * const reports = await fleet.go();
 * const summary = summariseFleet(reports);
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { onJsonLines } from '../../harness/json-lines.js';
import { isolatedEnv } from './child-env.js';

// The package's own root by its name, which holds wherever this file runs from (scripts/run.mjs bundles it
// into a temporary folder of the project).
const ROOT = dirname(createRequire(import.meta.url).resolve('cognito-token-provider/package.json'));
export const FLEET_CHILD = join(ROOT, 'test/fixtures/fleet/fleet-child.mjs');

/** Where a child's providers sign in: the app client, the user, and the (proxy's) endpoint. */
export interface FleetCognito {
  readonly endpoint: string;
  readonly region: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly clientSecret?: string;
}

export type FleetStore = (
  | { readonly kind: 'dynamodb'; readonly endpoint: string; readonly tableName: string }
  /** `down`: do not wait for the connection (the server is known to be away). */
  | { readonly kind: 'redis'; readonly url: string; readonly down?: boolean }
) & {
  /** The store's `encryptionKey` (base64 of 32 bytes). Default: none, keys derived from the secrets. */
  readonly encryptionKey?: string;
};

/** An M2M app client and its token endpoint, for `createClientTokenProvider`. */
export interface FleetM2m {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenEndpoint: string;
}

/** User providers (`cognito`, getIdToken) or M2M providers (`m2m`, getAccessToken). */
export type FleetChildOptions = {
  /** Provider instances in the process. */
  readonly instances: number;
  /** The providers' `timeoutMs`. Default: the provider's. */
  readonly timeoutMs?: number;
  readonly store: FleetStore;
  /** Report every store call of every instance (`traces`): method, sent, answered, what it showed. */
  readonly trace?: boolean;
} & ({ readonly cognito: FleetCognito; readonly m2m?: never } | { readonly m2m: FleetM2m; readonly cognito?: never });

/** One provider's first token call. `token` is the SHA-256 (hex) of the token. */
export interface InstanceResult {
  readonly ok: boolean;
  /** Epoch milliseconds at which the call settled. */
  readonly doneAt: number;
  readonly token?: string;
  readonly error?: { readonly name?: string; readonly code?: string };
}

/** Calls of each store method (`read`, `acquireLease`, `put`, ...), as the store contract names them. */
export type StoreCounts = Readonly<Record<string, number>>;

/** What one child printed once all its providers had a token (or failed). */
export interface ChildReport {
  /** Epoch milliseconds at which the child read `go`. */
  readonly goAt: number;
  readonly results: readonly InstanceResult[];
  /** Store calls per instance, in the order of `results`. */
  readonly counts: readonly StoreCounts[];
  /** What the child's providers logged, counted by message (and error name). */
  readonly events: Readonly<Record<string, number>>;
  /** When this child's first successful write of the shared entry was sent (epoch milliseconds), if it wrote. */
  readonly entryWrittenAt?: number;
  /** With `trace`: per instance, each store call as [method, sent at, answered at, what the answer showed]. */
  readonly traces?: readonly (readonly [string, number, number, string])[][];
}

/** One running child. */
export interface FleetProcess {
  readonly child: ChildProcess;
  /** Resolves when the child has created its providers (and connected its store). */
  readonly ready: Promise<void>;
  /** Releases the child's providers. */
  go(): void;
  /** The child's report; rejects if it exits without one. */
  readonly done: Promise<ChildReport>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
}

/**
 * Spawns one child. It gets only PATH and the SDK's warning switch from this environment, so no AWS
 * configuration of the developer's reaches it.
 *
 * @example
 * ```ts
 * const child = startFleetProcess({ instances: 10, cognito, store });
 * await child.ready;
 * child.go();
 * const report = await child.done;
 * ```
 */
export function startFleetProcess(options: FleetChildOptions): FleetProcess {
  const child = spawn(process.execPath, [FLEET_CHILD, JSON.stringify(options)], {
    cwd: ROOT,
    env: isolatedEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const messages: Record<string, unknown>[] = [];
  let notify: (() => void) | undefined;
  onJsonLines(child.stdout, (message) => {
    messages.push(message);
    notify?.();
  });
  const waitFor = (event: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = messages.find((message) => message.event === event);
        if (found !== undefined) resolve(found);
      };
      const previous = notify;
      notify = () => {
        previous?.();
        check();
      };
      exited.then(() => {
        check();
        reject(new Error(`fleet child exited (${child.exitCode ?? child.signalCode}) before "${event}": ${stderr}`));
      });
      check();
    });
  const ready = waitFor('ready').then(() => undefined);
  const done = waitFor('done') as unknown as Promise<ChildReport>;
  // Either may never be awaited (a child killed on purpose).
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return {
    child,
    ready,
    go: () => child.stdin?.write('go\n'),
    done,
    exited,
    stderr: () => stderr,
  };
}

/** Processes released together. */
export interface Fleet {
  readonly processes: readonly FleetProcess[];
  /** Epoch milliseconds just before `go` was written to the first child; `undefined` before {@link Fleet.go}. */
  readonly goAt: number | undefined;
  /** Releases every process at once (the barrier) and resolves with their reports. */
  go(): Promise<ChildReport[]>;
  /** SIGKILLs whatever still runs and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts `count` children with the same options and resolves once all are ready.
 *
 * @example
 * ```ts
 * const fleet = await startFleet(4, options);
 * try { summariseFleet(await fleet.go()); } finally { await fleet.kill(); }
 * ```
 */
export async function startFleet(count: number, options: FleetChildOptions): Promise<Fleet> {
  const processes = Array.from({ length: count }, () => startFleetProcess(options));
  const kill = async () => {
    for (const process of processes) {
      if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
    }
    await Promise.all(processes.map((process) => process.exited));
  };
  try {
    await Promise.all(processes.map((process) => process.ready));
  } catch (error) {
    await kill();
    throw error;
  }
  let goAt: number | undefined;
  return {
    processes,
    get goAt() {
      return goAt;
    },
    go: async () => {
      goAt = Date.now();
      for (const process of processes) process.go();
      const reports = await Promise.all(processes.map((process) => process.done));
      await Promise.all(processes.map((process) => process.exited));
      return reports;
    },
    kill,
  };
}

/** The figures of one fleet run. */
export interface FleetSummary {
  readonly instances: number;
  readonly ok: number;
  /** The errors' `code` (or `name`), one per failed instance. */
  readonly errors: readonly string[];
  /** Distinct ID tokens (as SHA-256 hex) the instances hold. */
  readonly tokens: ReadonlySet<string>;
  readonly storeRequests: number;
  readonly storeRequestsPerInstance: number;
  readonly maxStoreRequestsOfAnInstance: number;
  readonly storeCounts: StoreCounts;
  /** What the providers logged, counted by message (and error name), over all children. */
  readonly events: Readonly<Record<string, number>>;
  /** Epoch milliseconds at which the last instance settled. */
  readonly lastDoneAt: number;
  /** When the first successful write of the shared entry was sent, if one was. */
  readonly entryWrittenAt: number | undefined;
  /** Milliseconds from the earliest `go` read by a child to the last instance settling. */
  readonly spanMs: number;
}

export function summariseFleet(reports: readonly ChildReport[]): FleetSummary {
  const results = reports.flatMap((report) => report.results);
  const counts = reports.flatMap((report) => report.counts);
  const totals = counts.map((c) => Object.values(c).reduce((sum, calls) => sum + calls, 0));
  const storeRequests = totals.reduce((sum, total) => sum + total, 0);
  const storeCounts: Record<string, number> = {};
  for (const instance of counts) {
    for (const [operation, calls] of Object.entries(instance))
      storeCounts[operation] = (storeCounts[operation] ?? 0) + calls;
  }
  const written = reports.flatMap((report) => (report.entryWrittenAt === undefined ? [] : [report.entryWrittenAt]));
  const lastDoneAt = Math.max(...results.map((result) => result.doneAt));
  return {
    instances: results.length,
    ok: results.filter((result) => result.ok).length,
    errors: results.filter((result) => !result.ok).map((result) => result.error?.code ?? result.error?.name ?? '?'),
    tokens: new Set(results.flatMap((result) => (result.token === undefined ? [] : [result.token]))),
    storeRequests,
    storeRequestsPerInstance: storeRequests / Math.max(1, results.length),
    maxStoreRequestsOfAnInstance: Math.max(0, ...totals),
    storeCounts,
    events: reports.reduce<Record<string, number>>((all, report) => {
      for (const [event, count] of Object.entries(report.events)) all[event] = (all[event] ?? 0) + count;
      return all;
    }, {}),
    lastDoneAt,
    entryWrittenAt: written.length === 0 ? undefined : Math.min(...written),
    spanMs: lastDoneAt - Math.min(...reports.map((report) => report.goAt)),
  };
}

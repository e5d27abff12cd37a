/**
 * Runs a command to completion and collects what it printed, for the tests that spawn the `cognito-token`
 * bin. A process still running after `killAfterMs` is killed, and shows up as a null status: the bin must exit
 * on its own, since a lingering socket or timer would hang every shell script that uses it.
 */
import { type SpawnOptions, spawn } from 'node:child_process';

export interface ProcessRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runProcess(
  command: string,
  args: readonly string[],
  options: {
    readonly cwd?: string;
    readonly env: SpawnOptions['env'];
    readonly stdin?: string;
    readonly killAfterMs: number;
    /** Close the reading end of stdout at once, as `| head -c0` does: the command's writes then fail with EPIPE. */
    readonly stdoutClosed?: boolean;
  },
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (options.stdoutClosed) child.stdout?.destroy();
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    // A command may stop reading before the end (a size limit): like `yes` in a pipe, the writer just stops.
    child.stdin?.on('error', () => undefined);
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

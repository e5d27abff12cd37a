#!/usr/bin/env node
// The `cognito-token` command: wires runCli to the process. Everything testable lives in run.ts.
import { realpathSync } from 'node:fs';
import { CLOSED_PIPE_STATUS, isClosedPipe } from './output.js';
import { runCli } from './run.js';
import { readUpTo } from './stdin.js';
import { readPackageVersion } from './version.js';

// stderr is for the one error line a failed run prints. The SDK's notice that its 2027 releases need Node 22
// (printed when a client is created, which is after this line) is for the authors of apps, not for the user
// of a command; AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false in the environment brings it back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that went away (`| head -c0`) fails the write with EPIPE, as an 'error' event that would otherwise
// print Node's stack. Unix tools end quietly there; so does this command. Another write error cannot be reported
// on the stream that failed: the status says it.
let outputFailed: number | undefined;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    outputFailed ??= isClosedPipe(error) ? CLOSED_PIPE_STATUS : 1;
    process.exitCode = outputFailed;
  });
}

void runCli({
  argv: process.argv.slice(2),
  env: process.env,
  readStdin: () => readUpTo(process.stdin),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  version: () => readPackageVersion(realpathSync(process.argv[1] as string)),
}).then((status) => {
  // No process.exit(): it could cut off output still queued for a pipe.
  process.exitCode = outputFailed ?? status;
});

#!/usr/bin/env node
// The `cognito-token` command: wires runCli to the process. Everything testable lives in run.ts.
import { realpathSync } from 'node:fs';
import { runCli } from './run.js';
import { readPackageVersion } from './version.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// stderr is for the one error line a failed run prints. The SDK's notice that its 2027 releases need Node 22
// (printed when a client is created, which is after this line) is for the authors of apps, not for the user
// of a command; AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false in the environment brings it back.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runCli({
  argv: process.argv.slice(2),
  env: process.env,
  readStdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  version: () => readPackageVersion(realpathSync(process.argv[1] as string)),
}).then((status) => {
  // No process.exit(): it could cut off output still queued for a pipe.
  process.exitCode = status;
});

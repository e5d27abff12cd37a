// The child side of `startDynaliteProcess()` (harness/dynalite.ts): dynalite in a process of its own, so a fleet
// that loads it does not slow whatever else runs in the parent (the Cognito proxy of the benchmark). Prints
// `{"endpoint": ..., "tableName": ...}` once ready, then answers one JSON line on stdout for each command line
// on stdin: `{"command":"counts"}`, `{"command":"reset"}`, `{"command":"throttle","ms":2000,"errorName":...}`,
// `{"command":"close"}` (which exits once closed).
// Usage: node scripts/run.mjs harness/dynalite-process.ts
import { createInterface } from 'node:readline';
import { startDynalite } from './dynalite.js';

const dynalite = await startDynalite();
const reply = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
reply({ endpoint: dynalite.endpoint, tableName: dynalite.tableName });
for await (const line of createInterface({ input: process.stdin })) {
  const { command, ms, errorName } = JSON.parse(line) as { command: string; ms?: number; errorName?: string };
  if (command === 'counts') {
    reply({ requests: dynalite.requests, writes: dynalite.writes });
  } else if (command === 'reset') {
    dynalite.resetCounts();
    reply({});
  } else if (command === 'throttle') {
    dynalite.throttle(ms ?? 0, errorName);
    reply({});
  } else if (command === 'close') {
    await dynalite.close();
    reply({});
    process.exit(0);
  }
}

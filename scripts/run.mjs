#!/usr/bin/env node
// Runs a TypeScript script (scripts/*.ts) on Node 20, which cannot execute TypeScript itself: esbuild bundles
// the script and its local imports into one temporary ES module, leaving every npm package external, and the
// module is then imported in this process with the remaining arguments.
// Usage: node scripts/run.mjs scripts/demo.ts [args...]
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const [entry, ...args] = process.argv.slice(2);
if (entry === undefined) {
  console.error('usage: node scripts/run.mjs <script.ts> [args...]');
  process.exit(2);
}
// Inside the project root (not node_modules), so bare imports, the package's own name included, resolve.
const outdir = mkdtempSync(join(process.cwd(), '.script-'));
const outfile = join(outdir, 'script.mjs');
// Scripts may end with process.exit(), which skips `finally`: clean up on exit as well.
const cleanUp = () => rmSync(outdir, { recursive: true, force: true });
process.on('exit', cleanUp);
try {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  process.argv = [process.argv[0], resolve(entry), ...args];
  await import(pathToFileURL(outfile).href);
} finally {
  cleanUp();
}

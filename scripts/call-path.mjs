#!/usr/bin/env node
// How many src files one uncached getIdToken() passes through: the layout's "reads like a map" figure. Each
// src file is compiled on its own (esbuild, no bundling, so file boundaries survive) into a temporary folder,
// a provider is built there with a canned Cognito client (no network), and V8's precise coverage counts the
// files in which any code ran during the one call: module loading and construction are not counted.
//
// Usage: node scripts/call-path.mjs [repo-dir]     (default: this checkout; give another to compare a commit,
//        e.g. `git worktree add /tmp/before <commit>` first)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const repo = resolve(process.argv[2] ?? '.');
const src = join(repo, 'src');
const files = (function list(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return list(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
})(src);

// Next to this repository's node_modules, so the SDK the compiled files import resolves.
const out = mkdtempSync(join(resolve('.'), '.script-call-path-'));
process.on('exit', () => rmSync(out, { recursive: true, force: true }));
await build({
  entryPoints: files,
  outdir: out,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  logLevel: 'error',
});
// The layout before the /ssm entry point resolved this alias at build time; plain Node needs a path.
for (const file of readdirSync(out, { recursive: true })) {
  const path = join(out, String(file));
  if (!path.endsWith('.js')) continue;
  const code = readFileSync(path, 'utf8');
  if (code.includes('#ssm-client-loader'))
    writeFileSync(path, code.replaceAll('#ssm-client-loader', './ssm-client-lazy.js'));
}

// Coverage from before the modules load (V8 counts precisely only what it compiles with coverage on); each
// take resets the counters, so the second one covers the call alone.
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

const { createTokenProvider } = await import(pathToFileURL(join(out, 'index.js')).href);
const { CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');

const now = () => Math.floor(Date.now() / 1000);
const jwt = (use) =>
  [
    Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url'),
    Buffer.from(JSON.stringify({ 'cognito:username': 'svc', token_use: use, iat: now(), exp: now() + 3600 })).toString(
      'base64url',
    ),
    'c2ln',
  ].join('.');
const client = new CognitoIdentityProviderClient({ region: 'eu-west-1' });
client.send = async () => ({
  AuthenticationResult: { IdToken: jwt('id'), AccessToken: jwt('access'), RefreshToken: 'r', ExpiresIn: 3600 },
});
const provider = createTokenProvider({ clientId: 'c', client, credentials: { username: 'svc', password: 'pw' } });

await session.post('Profiler.takePreciseCoverage');
await provider.getIdToken();
const { result } = await session.post('Profiler.takePreciseCoverage');
await session.post('Profiler.stopPreciseCoverage');

const outUrl = pathToFileURL(out).href;
const touched = result
  .filter((script) => script.url.startsWith(outUrl))
  .filter((script) => script.functions.some((fn) => fn.ranges[0].count > 0))
  .map((script) => relative(out, new URL(script.url).pathname).replace(/\.js$/, '.ts'))
  .sort();
console.log(`${touched.length} of ${files.length} src files run during one uncached getIdToken() (${repo}):`);
for (const file of touched) console.log(`  src/${file}`);

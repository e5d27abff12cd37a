import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, optionalPeers, type PackageManifest, ROOT } from './packed-install.js';

// What Node loads for each entry point of the built package (scripts/build.mjs). Node pays about a millisecond
// to link each file, so the ES module root is dist/esm/index.js and one chunk; the other ES module entries import
// what they share with the root from dist/esm/shared.js, so Node loads one copy of the errors whichever entries
// an app imports. Only the /ssm entry imports the optional peer @aws-sdk/client-ssm (and each other optional peer
// has its own entry point); importing the root must load none of them even where they are installed (a cold
// start pays for every module loaded), and
// must not need them where they are not (optional-ssm-peer.test.ts).
//
// The project below holds the built package (dist and package.json) and every peer dependency, so a test that
// finds no optional peer loaded shows that nothing asked for it, not that it was missing.

// Records every module URL the ES module loader resolves, one per line, in the file $LOADED_LOG. Hooks run on
// a thread of their own in Node 20, so they write to a file rather than to memory this process could read.
const RECORD_HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.LOADED_LOG, resolved.url + '\\n');
  return resolved;
}
`;
const REGISTER = `
import { register } from 'node:module';
register('./record-hooks.mjs', import.meta.url);
`;

// A CommonJS app sees what it loaded in require.cache.
const CJS_LOADS = (specifier: string) => `
require(${JSON.stringify(specifier)});
console.log(Object.keys(require.cache).join('\\n'));
`;

const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageManifest;
const optional = optionalPeers(manifest);
let dir: string;
let installed: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctp-module-entries-'));
  installed = join(dir, 'node_modules/cognito-token-provider');
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
    mkdirSync(dirname(join(dir, 'node_modules', peer)), { recursive: true });
    symlinkSync(dirname(requireFromRoot.resolve(`${peer}/package.json`)), join(dir, 'node_modules', peer), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), '{"private": true}\n');
  writeFileSync(join(dir, 'record-hooks.mjs'), RECORD_HOOKS);
  writeFileSync(join(dir, 'register.mjs'), REGISTER);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function node(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, args, { cwd: dir, env: { ...childEnv(), ...env }, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

interface Loaded {
  /** Files of the package, relative to its root (`dist/esm/index.js`). */
  readonly ours: string[];
  /** The optional peers that any file was loaded of. */
  readonly optionalPeers: string[];
  /** Whether any file of @aws-sdk/client-cognito-identity-provider was loaded. */
  readonly cognitoClient: boolean;
}

function summarise(paths: readonly string[]): Loaded {
  return {
    ours: paths
      .filter((path) => path.startsWith(`${installed}/`))
      .map((path) => relative(installed, path))
      .sort(),
    optionalPeers: optional.filter((peer) => paths.some((path) => path.includes(`/node_modules/${peer}/`))),
    cognitoClient: paths.some((path) => path.includes('/@aws-sdk/client-cognito-identity-provider/')),
  };
}

/** What `import(specifier)` loads in plain Node: every module URL the loader resolved. */
function esmLoads(specifier: string): Loaded {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  node(['--import', './register.mjs', '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`], {
    LOADED_LOG: log,
  });
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return summarise(urls.filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url)));
}

/** What `require(specifier)` loads in plain Node: require.cache afterwards. */
function cjsLoads(specifier: string): Loaded {
  const file = join(dir, 'loads.cjs');
  writeFileSync(file, CJS_LOADS(specifier));
  return summarise(node(['--no-experimental-require-module', file]).split('\n').filter(Boolean));
}

/** Every JavaScript file of the ES module build, relative to the package root. */
const esmFiles = () =>
  readdirSync(join(ROOT, 'dist/esm'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => `dist/esm/${file}`);

describe('plain Node importing the package root', () => {
  it('from ESM, loads dist/esm/index.js and one chunk, and no other entry point nor any optional peer', () => {
    const root = esmLoads('cognito-token-provider');
    // The control: the same recording sees the SSM client when /ssm is imported, so its absence above counts.
    const ssm = esmLoads('cognito-token-provider/ssm');

    expect(root.ours.filter((file) => !file.startsWith('dist/esm/chunks/'))).toEqual(['dist/esm/index.js']);
    expect(root.ours).toHaveLength(2);
    expect(root.cognitoClient).toBe(true);
    expect(root.optionalPeers).toEqual([]);
    expect(ssm.ours).toContain('dist/esm/ssm/index.js');
    expect(ssm.optionalPeers).toEqual(['@aws-sdk/client-ssm']);
  });

  it('from CommonJS, loads dist/cjs/index.js alone, and no optional peer', () => {
    const root = cjsLoads('cognito-token-provider');
    const ssm = cjsLoads('cognito-token-provider/ssm');

    expect(root.ours).toEqual(['dist/cjs/index.js']);
    expect(root.cognitoClient).toBe(true);
    expect(root.optionalPeers).toEqual([]);
    // Each CommonJS entry point is a bundle of its own: /ssm loads no file of the root's.
    expect(ssm.ours).toEqual(['dist/cjs/ssm/index.js']);
    expect(ssm.optionalPeers).toEqual(['@aws-sdk/client-ssm']);
  });
});

describe('the ES module entry points', () => {
  // Were the errors bundled into each entry point, an app importing both would get two classes of each name:
  // Symbol.hasInstance hides that from `instanceof`, but not from `error.constructor === CognitoTokenError`, and
  // every copy is code loaded twice.
  it('share one copy of the errors: the root and /ssm throw the same class, defined in one chunk', () => {
    const checked = node([
      '--input-type=module',
      '-e',
      `
      import { ChallengeRequiredError, CognitoTokenError, createTokenProvider } from 'cognito-token-provider';
      import { fromSsm } from 'cognito-token-provider/ssm';
      const thrown = (action) => { try { action(); } catch (error) { return error; } };
      const fromRoot = thrown(() => createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } }));
      const fromSsmEntry = thrown(() => fromSsm({}));
      console.log(JSON.stringify({
        root: fromRoot.constructor === CognitoTokenError,
        ssm: fromSsmEntry.constructor === CognitoTokenError,
        prototype: Object.getPrototypeOf(ChallengeRequiredError) === CognitoTokenError,
      }));
      `,
    ]);
    const defining = esmFiles().filter((file) =>
      // esbuild writes `var CognitoTokenError = class extends Error`; tsc would write `class CognitoTokenError`.
      /\b(CognitoTokenError = class|class CognitoTokenError)\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );

    expect(JSON.parse(checked)).toEqual({ root: true, ssm: true, prototype: true });
    expect(defining).toHaveLength(1);
    expect(defining[0]).toMatch(/^dist\/esm\/chunks\//);
  });

  // Not only the errors: any module-level state (the retry-policy symbol, the key caches, the refusal marks)
  // must exist once whichever entries an app imports. esbuild heads each module it bundles with `// src/<path>`.
  it('bundle each source module into one file only', () => {
    const holders = new Map<string, string[]>();
    for (const file of esmFiles()) {
      // A header can appear more than once in one file, where esbuild interleaves a module's statements.
      const modules = new Set(readFileSync(join(ROOT, file), 'utf8').match(/^\/\/ src\/\S+\.ts$/gm));
      for (const module of modules) holders.set(module, [...(holders.get(module) ?? []), file]);
    }

    expect(holders.size).toBeGreaterThan(40);
    expect([...holders].filter(([, files]) => files.length > 1)).toEqual([]);
  });
});

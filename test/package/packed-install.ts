import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever directory the tests are started from. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly bin?: string | Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>;
}

/** The specifiers of the package's entry points in "exports": `cognito-token-provider`, `…/ssm`, and so on. */
export function entrySpecifiers(manifest: PackageManifest): string[] {
  return Object.keys(manifest.exports ?? { '.': null })
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => `${manifest.name}${subpath.slice(1)}`);
}

/** The peer dependencies package.json marks optional. */
export function optionalPeers(manifest: PackageManifest): string[] {
  return Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional === true)
    .map(([name]) => name);
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A throwaway project with the `npm pack` tarball of this repository installed, as a user would have it. */
export interface PackedInstall {
  /** The consumer project's directory; `node_modules/<name>` holds the installed tarball. */
  readonly dir: string;
  /** Every path inside the tarball, relative to the package root (`dist/esm/index.js`, `package.json`, ...). */
  readonly packedFiles: readonly string[];
  readonly manifest: PackageManifest;
  /** Writes a file into the consumer project. */
  write(file: string, contents: string): void;
  /** Runs `node ...args` inside the consumer project. */
  node(args: readonly string[]): RunResult;
  /** Runs the repository's own TypeScript compiler inside the consumer project; asynchronous, so two can overlap. */
  tsc(args: readonly string[]): Promise<RunResult>;
  /** Runs a file (a bin shim) directly, as a shell would. */
  exec(file: string, args: readonly string[]): RunResult;
  remove(): void;
}

const requireFromRoot = createRequire(join(ROOT, 'package.json'));

function installedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(requireFromRoot.resolve(`${name}/package.json`), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

// The test may run under `npm test`, which exports the parent invocation (its package, its lifecycle event and
// its project prefix) to children. The nested npm must act on the temporary project alone. Registry, cache and
// proxy settings (npm_config_*) pass through, so the install works wherever the parent's did.
// The SDK warns once per process that its 2027 releases need Node 22; an expected empty stderr must stay empty.
export function childEnv(): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^npm_(package_|lifecycle_|config_local_prefix$)/i.test(key)),
    ),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function run(command: string, args: readonly string[], cwd: string): RunResult {
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Options of {@link installPackedPackage}. */
export interface PackedInstallOptions {
  /**
   * The peer dependencies to install next to the tarball. Default: every one in package.json. npm installs no
   * optional peer by itself, so leaving one out gives a consumer that lacks it.
   */
  readonly peers?: readonly string[];
}

function runAsync(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        if (status === null) reject(error);
        else resolve({ status, stdout, stderr });
      },
    );
  });
}

/**
 * Packs the repository with `npm pack` (so `files` decides what ships; `--ignore-scripts`, so a prepack or
 * prepare script cannot rebuild dist/ under the other tests that read it) and installs the tarball with npm into a
 * new temporary project, together with the peer dependencies and `@types/node` at the versions this repository
 * has installed. `--prefer-offline` takes them from npm's cache, which `npm ci` has just filled, and falls back
 * to the registry when the cache lacks them. Run `npm run build` first.
 */
export function installPackedPackage(options: PackedInstallOptions = {}): PackedInstall {
  for (const built of ['dist/esm/index.js', 'dist/cjs/index.js']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  }
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageManifest;
  const peerNames = options.peers ?? Object.keys(manifest.peerDependencies ?? {});
  const dir = mkdtempSync(join(tmpdir(), 'ctp-packed-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: ROOT,
        env: childEnv(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const [tarball] = packed;
    if (tarball === undefined) throw new Error('npm pack reported no tarball');
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'packed-consumer', private: true })}\n`);
    const peers = peerNames.map((name) => `${name}@${installedVersion(name)}`);
    const install = run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        join(dir, tarball.filename),
        ...peers,
        `@types/node@${installedVersion('@types/node')}`,
      ],
      dir,
    );
    if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
    return {
      dir,
      packedFiles: tarball.files.map((file) => file.path),
      manifest,
      write: (file, contents) => writeFileSync(join(dir, file), contents),
      node: (args) => run(process.execPath, args, dir),
      tsc: (args) => runAsync(process.execPath, [requireFromRoot.resolve('typescript/bin/tsc'), ...args], dir),
      exec: (file, args) => run(join(dir, file), args, dir),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

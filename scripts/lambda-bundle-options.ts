// The esbuild settings of a Lambda user's handler bundle, shared by scripts/bundle-size.ts and
// scripts/check-tree-shaking.ts so both measure what users ship: minified ESM for Node 20, dependencies'
// ES module builds first (mainFields module,main, as CDK's NodejsFunction can be told), so the SDK tree-shakes.
// Also the package's entry points as package.json "exports" lists them, and a plugin that bundles a handler
// from src instead of dist, for the checks and breakdowns that must not depend on a build.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  write: false,
  metafile: true,
  logLevel: 'error',
} as const satisfies BuildOptions;

/** One entry point of the package: `cognito-token-provider/ssm` → dist/esm/ssm/index.js ← src/ssm/index.ts. */
export interface PackageEntryPoint {
  /** What a user imports: the package name, or the name and a subpath. */
  readonly specifier: string;
  /** The ES module file that "exports" gives an `import`, relative to the package root. */
  readonly dist: string;
  /** The source scripts/build.mjs builds it from, relative to the package root. */
  readonly src: string;
}

/**
 * The entry points package.json "exports" declares (not "./package.json"), read from `root`. The source of each
 * is its ES module path with dist/esm/ swapped for src/ and .js for .ts, as scripts/build.mjs names its outputs.
 */
export function packageEntryPoints(root: string): PackageEntryPoint[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    exports: Record<string, string | { import?: { default?: string } }>;
  };
  return Object.entries(manifest.exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, conditions]) => {
      const target = typeof conditions === 'string' ? conditions : conditions.import?.default;
      if (target === undefined || !/^\.\/dist\/esm\/.+\.js$/.test(target)) {
        throw new Error(`package.json "exports" "${subpath}": no "import" file under dist/esm (${String(target)})`);
      }
      const dist = target.slice(2);
      const src = dist.replace(/^dist\/esm\//, 'src/').replace(/\.js$/, '.ts');
      if (!existsSync(join(root, src))) throw new Error(`package.json "exports" "${subpath}": ${src} does not exist`);
      return { specifier: `${manifest.name}${subpath.slice(1)}`, dist, src };
    });
}

/** An esbuild plugin resolving each of the package's specifiers to its source file, in place of dist. */
export function fromSources(root: string): Plugin {
  const sources = new Map(packageEntryPoints(root).map(({ specifier, src }) => [specifier, join(root, src)]));
  return {
    name: 'package-from-sources',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[\w@]/ }, ({ path }) => {
        const source = sources.get(path);
        return source === undefined ? undefined : { path: source };
      });
    },
  };
}

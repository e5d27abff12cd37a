// Proves what a bundler keeps of the SSM SDK. esbuild bundles tiny Lambda handlers from the package source
// (minified, platform node, ESM, mainFields module,main as CDK's NodejsFunction does):
// 1. An app that imports only createTokenProvider contains no SSM client code. The control calls fromSsm; each
//    marker must be in the control and absent from the app, so a marker that stops matching SSM code fails the
//    check instead of passing it silently. Bundled twice: with the AWS SDK inside the bundle, and with @aws-sdk/*
//    external, where the import of @aws-sdk/client-ssm itself must be gone.
// 2. With the SDK bundled, the control keeps no SSM command but GetParameters: bundlers get the static
//    '#ssm-client-loader', which lets esbuild drop the rest. The same control built with the lazy loader (a
//    dynamic import, as Node gets) must contain those commands, which proves the markers find them.
// For src/index.ts a plugin picks the loader, as scripts/build.mjs does. With --dist, the built package (after
// npm run build) is checked the same way, imported by name as a user's bundler does: package.json "exports"
// must give it dist/esm/index.bundler.js (condition "module"), with the eager loader inside, and never
// dist/esm/index.js, Node's file with the lazy one.
// Usage: node scripts/run.mjs scripts/check-tree-shaking.ts [--dist]   (exits 1 on failure)
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS } from './lambda-bundle-options.js';

interface Marker {
  readonly label: string;
  readonly pattern: RegExp;
}

// Strings that survive minification: the SSM service and shape names, and the SSM endpoint host.
const BUNDLED_MARKERS: readonly Marker[] = [
  { label: 'SSM service name "AmazonSSM"', pattern: /AmazonSSM/ },
  { label: 'GetParameters request shape', pattern: /GetParametersRequest/ },
  { label: 'SSM client name "SSMClient"', pattern: /SSMClient/ },
];
const EXTERNAL_MARKERS: readonly Marker[] = [
  { label: 'import of @aws-sdk/client-ssm', pattern: /["']@aws-sdk\/client-ssm["']/ },
];
// Operation names of SSM commands fromSsm never sends; each SDK command keeps its name as a string.
const OTHER_SSM_COMMANDS: readonly Marker[] = [
  'GetParameterHistory',
  'GetParametersByPath',
  'PutParameter',
  'DeleteParameter',
  'DescribeParameters',
].map((name) => ({ label: `SSM command ${name}`, pattern: new RegExp(`\\b${name}\\b`) }));
// Proves the app bundle is the token provider and not an empty file, which would contain no SSM code either.
const COGNITO_MARKER: Marker = { label: 'Cognito service name', pattern: /AWSCognitoIdentityProviderService/ };
const COGNITO_EXTERNAL_MARKER: Marker = {
  label: 'import of @aws-sdk/client-cognito-identity-provider',
  pattern: /["']@aws-sdk\/client-cognito-identity-provider["']/,
};

type Loader = 'resolved' | 'eager' | 'lazy';

interface Source {
  readonly label: string;
  /** What the handlers import. */
  readonly path: string;
  /** The import a plugin sends to the eager or the lazy loader's file (below), when not 'resolved'. */
  readonly redirected: string;
  /** The files with the eager and with the lazy '#ssm-client-loader' in this source. */
  readonly loaders: { readonly eager: string; readonly lazy: string };
  /** How a bundler finds the eager loader from this source: itself ('resolved'), or only through a plugin. */
  readonly natural: Loader;
}

// npm run and the usage line above run this from the package root.
const root = process.cwd();
const sources: Source[] = [
  {
    label: 'src/index.ts',
    path: resolve(root, 'src/index.ts'),
    redirected: '#ssm-client-loader',
    loaders: { eager: resolve(root, 'src/ssm-client-eager.ts'), lazy: resolve(root, 'src/ssm-client-lazy.ts') },
    natural: 'eager',
  },
];
if (process.argv.includes('--dist')) {
  const loaders = { eager: resolve(root, 'dist/esm/index.bundler.js'), lazy: resolve(root, 'dist/esm/index.js') };
  if (!existsSync(loaders.eager) || !existsSync(loaders.lazy)) {
    console.error('--dist: dist/esm/index.bundler.js or index.js does not exist; run npm run build first');
    process.exit(1);
  }
  // By name, so esbuild resolves it through package.json "exports" (the package references itself).
  const { name } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { name: string };
  sources.push({ label: `dist (${name})`, path: name, redirected: name, loaders, natural: 'resolved' });
}

const app = (entry: string) => `
import { createTokenProvider } from ${JSON.stringify(entry)};
const tokens = createTokenProvider({ clientId: 'client', credentials: { username: 'u', password: 'p' } });
export const handler = async () => ({ statusCode: 200, body: await tokens.getIdToken() });
`;
const control = (entry: string) => `
import { createTokenProvider, fromSsm } from ${JSON.stringify(entry)};
const tokens = createTokenProvider({ clientId: 'client', credentials: fromSsm({ parameter: '/svc/cognito' }) });
export const handler = async () => ({ statusCode: 200, body: await tokens.getIdToken() });
`;

/** Sends one import specifier to one file, as scripts/build.mjs or a package.json "exports" condition would. */
function redirectPlugin(specifier: string, file: string): Plugin {
  return {
    name: 'redirect',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[#\w]/ }, ({ path }) => (path === specifier ? { path: file } : undefined));
    },
  };
}

interface Bundle {
  readonly text: string;
  /** Input files, relative to the package root. */
  readonly inputs: readonly string[];
}

async function bundle(source: Source, contents: string, sdkExternal: boolean, loader: Loader): Promise<Bundle> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'handler.ts' },
    ...LAMBDA_BUNDLE_OPTIONS,
    mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
    absWorkingDir: root,
    external: sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [],
    plugins: loader === 'resolved' ? [] : [redirectPlugin(source.redirected, source.loaders[loader])],
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output');
  return { text: output.text, inputs: Object.keys(result.metafile.inputs).map((input) => relative(root, input)) };
}

const failures: string[] = [];
const kb = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;

for (const source of sources) {
  for (const sdkExternal of [false, true]) {
    const mode = `${source.label}, ${sdkExternal ? '@aws-sdk external' : '@aws-sdk bundled'}`;
    const [appBundle, controlBundle] = await Promise.all([
      bundle(source, app(source.path), sdkExternal, source.natural),
      bundle(source, control(source.path), sdkExternal, source.natural),
    ]);
    const markers = sdkExternal ? EXTERNAL_MARKERS : BUNDLED_MARKERS;
    const sanity = sdkExternal ? COGNITO_EXTERNAL_MARKER : COGNITO_MARKER;
    if (!sanity.pattern.test(appBundle.text)) failures.push(`${mode}: app bundle lacks the ${sanity.label}`);
    for (const marker of markers) {
      if (!marker.pattern.test(controlBundle.text)) {
        failures.push(`${mode}: control (fromSsm used) lacks the ${marker.label}, so this marker proves nothing`);
      }
      if (marker.pattern.test(appBundle.text)) {
        failures.push(`${mode}: app without fromSsm contains the ${marker.label}`);
      }
    }
    // The loader a bundler picks must be the static one, from the same tree as the rest (dist or src), and the
    // lazy one must not come along: in dist that is a second copy of the package, with its own error classes.
    const eager = relative(root, source.loaders.eager);
    const lazy = relative(root, source.loaders.lazy);
    if (!controlBundle.inputs.includes(eager) || controlBundle.inputs.includes(lazy)) {
      const found = controlBundle.inputs.filter((input) => input === eager || input === lazy);
      failures.push(`${mode}: the bundle holds ${found.join(' and ') || 'neither loader'}, not ${eager} alone`);
    }
    const tree = eager.split('/')[0] ?? '';
    const strays = controlBundle.inputs.filter((input) => /^(src|dist)\//.test(input) && !input.startsWith(tree));
    if (strays.length > 0) failures.push(`${mode}: bundle of ${tree}/ also holds ${strays.join(', ')}`);
    console.log(`${mode}: without fromSsm ${kb(appBundle.text)}, with fromSsm ${kb(controlBundle.text)}`);
    if (sdkExternal) continue;

    const lazyBundle = await bundle(source, control(source.path), sdkExternal, 'lazy');
    for (const command of OTHER_SSM_COMMANDS) {
      if (!command.pattern.test(lazyBundle.text)) {
        failures.push(`${mode}: lazy-loader control lacks the ${command.label}, so this marker proves nothing`);
      }
      if (command.pattern.test(controlBundle.text)) {
        failures.push(`${mode}: fromSsm bundle contains the ${command.label}: @aws-sdk/client-ssm was not tree-shaken`);
      }
    }
    console.log(`${mode}: fromSsm with the lazy loader instead (all SSM commands) ${kb(lazyBundle.text)}`);
  }
}

if (failures.length > 0) {
  console.error(`tree shaking check FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  'tree shaking check passed: an app that never calls fromSsm bundles no SSM client code, and one that does ' +
    'bundles no SSM command but GetParameters',
);

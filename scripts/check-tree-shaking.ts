// Proves what a bundler keeps of the SSM SDK. esbuild bundles tiny Lambda handlers from the package source
// (minified, platform node, ESM, mainFields module,main as CDK's NodejsFunction does):
// 1. An app that imports only createTokenProvider contains no SSM client code. The control calls fromSsm; each
//    marker must be in the control and absent from the app, so a marker that stops matching SSM code fails the
//    check instead of passing it silently. Bundled twice: with the AWS SDK inside the bundle, and with @aws-sdk/*
//    external, where the import of @aws-sdk/client-ssm itself must be gone.
// 2. With the SDK bundled, the control keeps no SSM command but GetParameters: package.json "imports" gives
//    bundlers the static '#ssm-client-loader' ("module" condition), which lets esbuild drop the rest. The same
//    control built with the lazy loader (a dynamic import, as Node gets) must contain those commands, which
//    proves the markers find them.
// With --dist, the built package (dist/esm, after npm run build) is checked the same way, resolving
// '#ssm-client-loader' as a user's bundler does; for src/index.ts a plugin stands in for that "module" condition.
// Usage: node scripts/run.mjs scripts/check-tree-shaking.ts [--dist]   (exits 1 on failure)
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

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
  readonly path: string;
  /** The '#ssm-client-loader' files of this source, by the package.json "imports" condition that picks them. */
  readonly loaders: { readonly eager: string; readonly lazy: string };
  /** How a bundler finds '#ssm-client-loader' from this source: itself ('resolved'), or only through a plugin. */
  readonly natural: Loader;
}

// npm run and the usage line above run this from the package root.
const root = process.cwd();
const sources: Source[] = [
  {
    label: 'src/index.ts',
    path: resolve(root, 'src/index.ts'),
    loaders: { eager: resolve(root, 'src/ssm-client-eager.ts'), lazy: resolve(root, 'src/ssm-client-lazy.ts') },
    natural: 'eager',
  },
];
if (process.argv.includes('--dist')) {
  const dist = resolve(root, 'dist/esm/index.js');
  if (!existsSync(dist)) {
    console.error('--dist: dist/esm/index.js does not exist; run npm run build first');
    process.exit(1);
  }
  sources.push({
    label: 'dist/esm/index.js',
    path: dist,
    loaders: {
      eager: resolve(root, 'dist/esm/ssm-client-eager.js'),
      lazy: resolve(root, 'dist/esm/ssm-client-lazy.js'),
    },
    natural: 'resolved',
  });
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

/** Sends '#ssm-client-loader' to one file, as a package.json "imports" condition would. */
function loaderPlugin(file: string): Plugin {
  return {
    name: 'ssm-client-loader',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^#ssm-client-loader$/ }, () => ({ path: file }));
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
    absWorkingDir: root,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    write: false,
    metafile: true,
    logLevel: 'error',
    external: sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [],
    plugins: loader === 'resolved' ? [] : [loaderPlugin(source.loaders[loader])],
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
    // The loader a bundler picks must be the static one, from the same tree as the rest (dist or src).
    const eager = relative(root, source.loaders.eager);
    if (!controlBundle.inputs.includes(eager)) {
      const found = controlBundle.inputs.filter((input) => /ssm-client-(eager|lazy)/.test(input));
      failures.push(`${mode}: '#ssm-client-loader' resolved to ${found.join(', ') || 'nothing'}, not ${eager}`);
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

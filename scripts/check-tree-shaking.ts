// Proves what a bundler keeps of the SSM SDK, with the settings of a user's Lambda bundle (lambda-bundle-options.ts):
// (a) A handler that imports only the package root contains no SSM client code, and does contain the token
//     provider's Cognito code (an empty bundle would contain no SSM code either). Bundled twice: with the AWS SDK
//     inside, where no SSM marker may appear, and with @aws-sdk/* external, where no import of
//     @aws-sdk/client-ssm may remain. Nor may esbuild have read any file of the /ssm entry point or of the SSM
//     client: one it read and then tree-shook away still had to be resolved, and without @aws-sdk/client-ssm
//     installed that fails the build (test/package/lambda-bundle-without-ssm.test.ts runs that case).
// (b) A control handler that calls fromSsm from cognito-token-provider/ssm contains every one of those markers
//     and reads those files, so a marker that stops matching fails the check instead of passing it silently. With the SDK
//     inside, it keeps no SSM command but GetParameters; the aggregated SSM client bundled alone (every command)
//     must contain each of those command names, which proves the command markers find them.
// Both handlers are bundled from src (a plugin resolves the package's specifiers to the sources of its
// package.json "exports"), and with --dist from the built package, imported by name as a user's bundler does:
// package.json "exports" must lead to dist/esm alone (the ES module build, which bundlers can tree-shake).
// Usage: node scripts/run.mjs scripts/check-tree-shaking.ts [--dist]   (npm run check:tree-shaking builds first
//        and passes --dist; exits 1 on failure)
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { fromSources, LAMBDA_BUNDLE_OPTIONS, packageEntryPoints } from './lambda-bundle-options.js';

interface Marker {
  readonly label: string;
  readonly pattern: RegExp;
}

// Strings that survive minification: the SSM service and shape names, and the bare client's class name.
const BUNDLED_MARKERS: readonly Marker[] = [
  { label: 'AmazonSSM', pattern: /AmazonSSM/ },
  { label: 'GetParametersRequest', pattern: /GetParametersRequest/ },
  { label: 'SSMClient', pattern: /SSMClient/ },
];
const EXTERNAL_MARKERS: readonly Marker[] = [
  { label: 'import "@aws-sdk/client-ssm"', pattern: /["']@aws-sdk\/client-ssm["']/ },
];
// Each SDK command keeps its operation name as a string, minified or not.
const commandMarker = (name: string): Marker => ({ label: name, pattern: new RegExp(`\\b${name}\\b`) });
const OTHER_SSM_COMMANDS = [
  'GetParameterHistory',
  'GetParametersByPath',
  'PutParameter',
  'DeleteParameter',
  'DescribeParameters',
].map(commandMarker);
const GET_PARAMETERS = commandMarker('GetParameters');
const COGNITO_MARKERS = {
  bundled: { label: 'AWSCognitoIdentityProviderService', pattern: /AWSCognitoIdentityProviderService/ },
  external: {
    label: 'import "@aws-sdk/client-cognito-identity-provider"',
    pattern: /["']@aws-sdk\/client-cognito-identity-provider["']/,
  },
} satisfies Record<string, Marker>;

// npm run and the usage line above run this from the package root.
const root = process.cwd();
const entryPoints = packageEntryPoints(root);
const rootEntry = entryPoints[0];
const ssmEntry = entryPoints.find(({ specifier }) => specifier.endsWith('/ssm'));
if (rootEntry === undefined || ssmEntry === undefined) {
  console.error('tree shaking check FAILED: package.json "exports" lacks "." or "./ssm"');
  process.exit(1);
}

interface Source {
  readonly label: string;
  readonly plugins: Plugin[];
  /** Where every file of the package in a bundle must come from. */
  readonly tree: string;
  /** The folder of the /ssm entry point in that tree. */
  readonly ssmDir: string;
}

const sources: Source[] = [
  { label: 'src', plugins: [fromSources(root)], tree: 'src/', ssmDir: `${dirname(ssmEntry.src)}/` },
];
if (process.argv.includes('--dist')) {
  const missing = entryPoints.filter(({ dist }) => !existsSync(dist)).map(({ dist }) => dist);
  if (missing.length > 0) {
    console.error(`--dist: ${missing.join(', ')} missing; run npm run build first`);
    process.exit(1);
  }
  // No plugin: esbuild resolves the name through package.json "exports" (the package references itself).
  sources.push({ label: 'dist', plugins: [], tree: 'dist/esm/', ssmDir: `${dirname(ssmEntry.dist)}/` });
}

const app = `
import { createTokenProvider } from ${JSON.stringify(rootEntry.specifier)};
const tokens = createTokenProvider({ clientId: 'client', credentials: { username: 'u', password: 'p' } });
export const handler = async () => ({ statusCode: 200, body: await tokens.getIdToken() });
`;
const control = `
import { createTokenProvider } from ${JSON.stringify(rootEntry.specifier)};
import { fromSsm } from ${JSON.stringify(ssmEntry.specifier)};
const tokens = createTokenProvider({ clientId: 'client', credentials: fromSsm({ parameter: '/svc/cognito' }) });
export const handler = async () => ({ statusCode: 200, body: await tokens.getIdToken() });
`;
// Every SSM command, to show that the command markers match what a command leaves in a bundle.
const everySsmCommand = `import { SSM } from '@aws-sdk/client-ssm';\nexport const ssm = new SSM({});\n`;

interface Bundle {
  readonly text: string;
  /** Input files outside node_modules, relative to the package root. */
  readonly ownInputs: readonly string[];
  /** Files of the /ssm entry point or of @aws-sdk/client-ssm that esbuild read, whether or not it kept them. */
  readonly ssmInputs: readonly string[];
}

async function bundle(contents: string, sdkExternal: boolean, source?: Source): Promise<Bundle> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'handler.ts' },
    ...LAMBDA_BUNDLE_OPTIONS,
    mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
    absWorkingDir: root,
    external: sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [],
    plugins: source?.plugins ?? [],
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output');
  const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, input));
  const ownInputs = inputs.filter((input) => input !== 'handler.ts' && !input.includes('node_modules/'));
  const ssmInputs = inputs.filter(
    (input) =>
      input.includes('node_modules/@aws-sdk/client-ssm/') || (source !== undefined && input.startsWith(source.ssmDir)),
  );
  return { text: output.text, ownInputs, ssmInputs };
}

const failures: string[] = [];
const rows: string[][] = [
  ['source', 'handler', '@aws-sdk', 'size', 'SSM markers', 'SSM files read', 'Cognito', 'other SSM commands'],
];
const kib = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
const found = (markers: readonly Marker[], text: string) => markers.filter(({ pattern }) => pattern.test(text));
const labels = (markers: readonly Marker[]) => markers.map(({ label }) => label).join(', ');

const reference = await bundle(everySsmCommand, false);
const unmatched = [...OTHER_SSM_COMMANDS, GET_PARAMETERS].filter(({ pattern }) => !pattern.test(reference.text));
if (unmatched.length > 0) {
  failures.push(`the aggregated SSM client lacks ${labels(unmatched)}, so the command markers prove nothing`);
}
rows.push(['-', 'SSM aggregated client (every command)', 'bundled', kib(reference.text), '-', '-', '-', 'all present']);

for (const source of sources) {
  for (const sdk of ['bundled', 'external'] as const) {
    const mode = `${source.label}, @aws-sdk ${sdk}`;
    const [appBundle, controlBundle] = await Promise.all([
      bundle(app, sdk === 'external', source),
      bundle(control, sdk === 'external', source),
    ]);
    const markers = sdk === 'external' ? EXTERNAL_MARKERS : BUNDLED_MARKERS;
    const cognito = COGNITO_MARKERS[sdk];

    const inApp = found(markers, appBundle.text);
    if (inApp.length > 0) failures.push(`${mode}: the root-only handler contains SSM code: ${labels(inApp)}`);
    if (appBundle.ssmInputs.length > 0) {
      failures.push(`${mode}: bundling the root-only handler read ${appBundle.ssmInputs.slice(0, 3).join(', ')}`);
    }
    if (controlBundle.ssmInputs.length === 0) {
      failures.push(`${mode}: bundling the fromSsm control read no SSM file, so that check proves nothing`);
    }
    const missing = markers.filter(({ pattern }) => !pattern.test(controlBundle.text));
    if (missing.length > 0) {
      failures.push(`${mode}: the fromSsm control lacks ${labels(missing)}, so that marker proves nothing`);
    }
    for (const [name, { text }] of [
      ['root-only handler', appBundle],
      ['fromSsm control', controlBundle],
    ] as const) {
      if (!cognito.pattern.test(text)) failures.push(`${mode}: the ${name} lacks ${cognito.label}`);
    }
    // The package's own files must all come from one tree: dist/esm for a bundler resolving the name (dist/cjs is
    // whole bundles, which do not tree-shake, and a mix would be two copies of the package).
    for (const [name, { ownInputs }] of [
      ['root-only handler', appBundle],
      ['fromSsm control', controlBundle],
    ] as const) {
      const strays = ownInputs.filter((input) => !input.startsWith(source.tree));
      if (strays.length > 0)
        failures.push(`${mode}: the ${name} bundles ${strays.join(', ')}, not ${source.tree} alone`);
    }

    let otherCommands = '-';
    if (sdk === 'bundled') {
      const kept = found(OTHER_SSM_COMMANDS, controlBundle.text);
      if (kept.length > 0) failures.push(`${mode}: the fromSsm control keeps other SSM commands: ${labels(kept)}`);
      if (!GET_PARAMETERS.pattern.test(controlBundle.text))
        failures.push(`${mode}: the fromSsm control lacks GetParameters`);
      otherCommands = kept.length === 0 ? 'none (GetParameters only)' : `KEPT ${labels(kept)}`;
    }
    const present = (marker: Marker, text: string) => (marker.pattern.test(text) ? 'present' : 'MISSING');
    rows.push(
      [
        source.label,
        'root only',
        sdk,
        kib(appBundle.text),
        inApp.length === 0 ? 'none' : `FOUND ${labels(inApp)}`,
        String(appBundle.ssmInputs.length),
        present(cognito, appBundle.text),
        '-',
      ],
      [
        source.label,
        'fromSsm from /ssm (control)',
        sdk,
        kib(controlBundle.text),
        missing.length === 0 ? `all ${markers.length}` : `MISSING ${labels(missing)}`,
        String(controlBundle.ssmInputs.length),
        present(cognito, controlBundle.text),
        otherCommands,
      ],
    );
  }
}

const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
console.log(`SSM markers: ${labels(BUNDLED_MARKERS)} (@aws-sdk bundled); ${labels(EXTERNAL_MARKERS)} (external)`);

if (failures.length > 0) {
  console.error(`\ntree shaking check FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  '\ntree shaking check passed: a handler importing only the package root bundles no SSM client code, and one ' +
    'using fromSsm from /ssm bundles no SSM command but GetParameters',
);

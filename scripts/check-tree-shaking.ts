// Proves what a bundler keeps of the optional SDK clients (SSM, Secrets Manager), with the settings of a user's
// Lambda bundle (lambda-bundle-options.ts):
// (a) A handler that imports only the package root contains no code of either client, and does contain the token
//     provider's Cognito code (an empty bundle would contain no client code either). Bundled twice: with the AWS
//     SDK inside, where no marker of the clients may appear, and with @aws-sdk/* external, where no import of their
//     packages may remain. Nor may esbuild have read any file of their entry points (/ssm, /secrets-manager) or of
//     their SDK packages: one it read and then tree-shook away still had to be resolved, and without the package
//     installed that fails the build (test/package/lambda-bundle-without-ssm.test.ts runs that case for SSM).
// (b) A control handler per client (fromSsm from /ssm, fromSecretsManager from /secrets-manager) contains every one
//     of that client's markers and reads its files, so a marker that stops matching fails the check instead of
//     passing it silently; and it carries none of the other client. With the SDK inside, it keeps no command of
//     its client but the one it sends (GetParameters, GetSecretValue); the aggregated client bundled alone (every
//     command) must contain each of those command names, which proves the command markers find them.
// Every handler is bundled from src (a plugin resolves the package's specifiers to the sources of its
// package.json "exports"), and with --dist from the built package, imported by name as a user's bundler does:
// package.json "exports" must lead to dist/esm alone (the ES module build, which bundlers can tree-shake).
// Usage: node scripts/run.mjs scripts/check-tree-shaking.ts [--dist]   (npm run check:tree-shaking builds first
//        and passes --dist; exits 1 on failure)
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import {
  fromSources,
  LAMBDA_BUNDLE_OPTIONS,
  type PackageEntryPoint,
  packageEntryPoints,
} from './lambda-bundle-options.js';

interface Marker {
  readonly label: string;
  readonly pattern: RegExp;
}

// Each SDK command keeps its operation name as a string, minified or not.
const commandMarker = (name: string): Marker => ({ label: name, pattern: new RegExp(`\\b${name}\\b`) });
const importMarker = (sdkPackage: string): Marker => ({
  label: `import "${sdkPackage}"`,
  pattern: new RegExp(`["']${sdkPackage.replace('/', '\\/')}["']`),
});

/** An optional SDK client, owned by one entry point of the package. */
interface OptionalClient {
  readonly service: string;
  /** The entry point's subpath, `/ssm`. */
  readonly subpath: string;
  readonly sdkPackage: string;
  /** The handler's credentials option, calling the entry point's one export. */
  readonly credentials: string;
  readonly importName: string;
  /** Strings of the bundled client that survive minification and that none of our own text contains. */
  readonly bundledMarkers: readonly Marker[];
  /** The one command our code sends. */
  readonly command: Marker;
  /** Commands of the same client that a bundle using ours must not keep. */
  readonly otherCommands: readonly Marker[];
  /** The aggregated client class, which carries every command. */
  readonly aggregated: string;
}

const CLIENTS: readonly OptionalClient[] = [
  {
    service: 'SSM',
    subpath: '/ssm',
    sdkPackage: '@aws-sdk/client-ssm',
    importName: 'fromSsm',
    credentials: "fromSsm({ parameter: '/svc/cognito' })",
    // The SSM service and shape names, and the bare client's class name.
    bundledMarkers: [
      { label: 'AmazonSSM', pattern: /AmazonSSM/ },
      { label: 'GetParametersRequest', pattern: /GetParametersRequest/ },
      { label: 'SSMClient', pattern: /SSMClient/ },
    ],
    command: commandMarker('GetParameters'),
    otherCommands: [
      'GetParameterHistory',
      'GetParametersByPath',
      'PutParameter',
      'DeleteParameter',
      'DescribeParameters',
    ].map(commandMarker),
    aggregated: 'SSM',
  },
  {
    service: 'Secrets Manager',
    subpath: '/secrets-manager',
    sdkPackage: '@aws-sdk/client-secrets-manager',
    importName: 'fromSecretsManager',
    credentials: "fromSecretsManager({ secretId: 'svc/cognito' })",
    // The service's namespace, a shape name and the bare client's class name; our own messages say
    // "Secrets Manager" and "secretsmanager:GetSecretValue", which none of these match.
    bundledMarkers: [
      { label: 'com.amazonaws.secretsmanager', pattern: /com\.amazonaws\.secretsmanager/ },
      { label: 'GetSecretValueRequest', pattern: /GetSecretValueRequest/ },
      { label: 'SecretsManagerClient', pattern: /SecretsManagerClient/ },
    ],
    command: commandMarker('GetSecretValue'),
    otherCommands: ['BatchGetSecretValue', 'ListSecrets', 'PutSecretValue', 'DescribeSecret', 'CreateSecret'].map(
      commandMarker,
    ),
    aggregated: 'SecretsManager',
  },
];
const COGNITO_MARKERS = {
  bundled: { label: 'AWSCognitoIdentityProviderService', pattern: /AWSCognitoIdentityProviderService/ },
  external: importMarker('@aws-sdk/client-cognito-identity-provider'),
} satisfies Record<string, Marker>;

// npm run and the usage line above run this from the package root.
const root = process.cwd();
const entryPoints = packageEntryPoints(root);
const rootEntry = entryPoints[0];
const entryOf = (client: OptionalClient) =>
  entryPoints.find(({ specifier }) => specifier === `${rootEntry?.specifier}${client.subpath}`);
const missingEntries = CLIENTS.filter((client) => entryOf(client) === undefined).map(({ subpath }) => `".${subpath}"`);
if (rootEntry === undefined || missingEntries.length > 0) {
  console.error(`tree shaking check FAILED: package.json "exports" lacks "." or ${missingEntries.join(', ')}`);
  process.exit(1);
}
const entries = new Map(CLIENTS.map((client) => [client, entryOf(client) as PackageEntryPoint]));

interface Source {
  readonly label: string;
  readonly plugins: Plugin[];
  /** Where every file of the package in a bundle must come from. */
  readonly tree: string;
  /** The folder of each client's entry point in that tree. */
  readonly entryDir: (client: OptionalClient) => string;
}

const sources: Source[] = [
  {
    label: 'src',
    plugins: [fromSources(root)],
    tree: 'src/',
    entryDir: (client) => `${dirname(entries.get(client)?.src ?? '')}/`,
  },
];
if (process.argv.includes('--dist')) {
  const missing = entryPoints.filter(({ dist }) => !existsSync(dist)).map(({ dist }) => dist);
  if (missing.length > 0) {
    console.error(`--dist: ${missing.join(', ')} missing; run npm run build first`);
    process.exit(1);
  }
  // No plugin: esbuild resolves the name through package.json "exports" (the package references itself).
  sources.push({
    label: 'dist',
    plugins: [],
    tree: 'dist/esm/',
    entryDir: (client) => `${dirname(entries.get(client)?.dist ?? '')}/`,
  });
}

const handler = (credentials: string, extraImport = '') => `
import { createTokenProvider } from ${JSON.stringify(rootEntry.specifier)};
${extraImport}
const tokens = createTokenProvider({ clientId: 'client', credentials: ${credentials} });
export const handler = async () => ({ statusCode: 200, body: await tokens.getIdToken() });
`;
const app = handler("{ username: 'u', password: 'p' }");
const controlOf = (client: OptionalClient) =>
  handler(
    client.credentials,
    `import { ${client.importName} } from ${JSON.stringify(entries.get(client)?.specifier)};`,
  );

interface Bundle {
  readonly text: string;
  /** Input files outside node_modules, relative to the package root. */
  readonly ownInputs: readonly string[];
  /** Every input file, relative to the package root. */
  readonly inputs: readonly string[];
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
  return { text: output.text, ownInputs, inputs };
}

/** Files of the client's entry point or of its SDK package that esbuild read, whether or not it kept them. */
const clientInputs = (client: OptionalClient, { inputs }: Bundle, source: Source) =>
  inputs.filter(
    (input) => input.includes(`node_modules/${client.sdkPackage}/`) || input.startsWith(source.entryDir(client)),
  );

/** A message of the local user pool (src/testing), which survives minification. */
const TESTING_MARKER: Marker = { label: 'the local user pool', pattern: /The local user pool does not implement/ };

const failures: string[] = [];
const rows: string[][] = [['source', 'handler', '@aws-sdk', 'size', 'client code', 'Cognito', 'other commands']];
const kib = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
const found = (markers: readonly Marker[], text: string) => markers.filter(({ pattern }) => pattern.test(text));
const labels = (markers: readonly Marker[]) => markers.map(({ label }) => label).join(', ');
const markersOf = (client: OptionalClient, sdk: 'bundled' | 'external') =>
  sdk === 'external' ? [importMarker(client.sdkPackage)] : client.bundledMarkers;

for (const client of CLIENTS) {
  const everyCommand = `import { ${client.aggregated} } from '${client.sdkPackage}';\nexport const c = new ${client.aggregated}({});\n`;
  const reference = await bundle(everyCommand, false);
  const unmatched = [...client.otherCommands, client.command].filter(({ pattern }) => !pattern.test(reference.text));
  if (unmatched.length > 0) {
    failures.push(
      `the aggregated ${client.service} client lacks ${labels(unmatched)}, so the command markers prove nothing`,
    );
  }
  rows.push(['-', `${client.service} aggregated client`, 'bundled', kib(reference.text), '-', '-', 'all present']);
}

for (const source of sources) {
  // The control for the /testing marker: a test file importing the entry point carries it.
  const testingControl = await bundle(
    `import { startLocalCognito } from ${JSON.stringify(`${rootEntry.specifier}/testing`)};\nexport const start = startLocalCognito;\n`,
    true,
    source,
  );
  if (!TESTING_MARKER.pattern.test(testingControl.text))
    failures.push(`${source.label}: a bundle of /testing lacks ${TESTING_MARKER.label}, so that marker proves nothing`);
  for (const sdk of ['bundled', 'external'] as const) {
    const mode = `${source.label}, @aws-sdk ${sdk}`;
    const cognito = COGNITO_MARKERS[sdk];
    const handlers: { name: string; owner: OptionalClient | undefined; bundle: Bundle }[] = [
      { name: 'root only', owner: undefined, bundle: await bundle(app, sdk === 'external', source) },
    ];
    for (const client of CLIENTS) {
      handlers.push({
        name: `${client.importName} from ${client.subpath} (control)`,
        owner: client,
        bundle: await bundle(controlOf(client), sdk === 'external', source),
      });
    }

    for (const {
      name,
      owner,
      bundle: { text, ownInputs },
      bundle: result,
    } of handlers) {
      const carried: string[] = [];
      for (const client of CLIENTS) {
        const markers = markersOf(client, sdk);
        const present = found(markers, text);
        const read = clientInputs(client, result, source);
        if (client === owner) {
          const missing = markers.filter((marker) => !present.includes(marker));
          if (missing.length > 0)
            failures.push(`${mode}: the ${name} lacks ${labels(missing)}, so that marker proves nothing`);
          if (read.length === 0)
            failures.push(`${mode}: bundling the ${name} read no ${client.service} file, so that check proves nothing`);
          carried.push(
            missing.length === 0
              ? `${client.service}: all ${markers.length} markers`
              : `${client.service}: MISSING ${labels(missing)}`,
          );
          continue;
        }
        if (present.length > 0)
          failures.push(`${mode}: the ${name} handler contains ${client.service} code: ${labels(present)}`);
        if (read.length > 0) failures.push(`${mode}: bundling the ${name} handler read ${read.slice(0, 3).join(', ')}`);
        if (present.length > 0 || read.length > 0) carried.push(`${client.service}: FOUND`);
      }
      if (!cognito.pattern.test(text)) failures.push(`${mode}: the ${name} handler lacks ${cognito.label}`);
      // The package's own files must all come from one tree: dist/esm for a bundler resolving the name (dist/cjs is
      // whole bundles, which do not tree-shake, and a mix would be two copies of the package).
      // The local Cognito of /testing is for tests: no handler of another entry point may carry or read it.
      const testingRead = ownInputs.filter((input) => input.includes('/testing/'));
      if (testingRead.length > 0 || TESTING_MARKER.pattern.test(text))
        failures.push(`${mode}: the ${name} handler carries /testing code (${testingRead.slice(0, 3).join(', ')})`);
      const strays = ownInputs.filter((input) => !input.startsWith(source.tree));
      if (strays.length > 0)
        failures.push(`${mode}: the ${name} handler bundles ${strays.join(', ')}, not ${source.tree} alone`);

      let otherCommands = '-';
      if (sdk === 'bundled' && owner !== undefined) {
        const kept = found(owner.otherCommands, text);
        if (kept.length > 0)
          failures.push(`${mode}: the ${name} keeps other ${owner.service} commands: ${labels(kept)}`);
        if (!owner.command.pattern.test(text)) failures.push(`${mode}: the ${name} lacks ${owner.command.label}`);
        otherCommands = kept.length === 0 ? `none (${owner.command.label} only)` : `KEPT ${labels(kept)}`;
      }
      rows.push([
        source.label,
        name,
        sdk,
        kib(text),
        carried.length === 0 ? 'none' : carried.join('; '),
        cognito.pattern.test(text) ? 'present' : 'MISSING',
        otherCommands,
      ]);
    }
  }
}

const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
for (const client of CLIENTS) {
  console.log(
    `${client.service} markers: ${labels(client.bundledMarkers)} (@aws-sdk bundled); ` +
      `${labels(markersOf(client, 'external'))} (external)`,
  );
}

if (failures.length > 0) {
  console.error(`\ntree shaking check FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  '\ntree shaking check passed: a handler importing only the package root bundles no SSM or Secrets Manager client ' +
    'code; one using fromSsm from /ssm bundles no Secrets Manager code and no SSM command but GetParameters; one ' +
    'using fromSecretsManager from /secrets-manager bundles no SSM code and no Secrets Manager command but ' +
    'GetSecretValue',
);

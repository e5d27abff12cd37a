// Proves that an app which never calls fromSsm ships no SSM client code. esbuild bundles two tiny Lambda
// handlers from the package source (minified, platform node, ESM): one imports only createTokenProvider, the
// other also calls fromSsm (the positive control). Each marker must be in the control and absent from the app,
// so a marker that stops matching SSM code fails the check instead of passing it silently. Bundled twice: with
// the AWS SDK inside the bundle, and with @aws-sdk/* external, where the import of @aws-sdk/client-ssm itself
// must be gone. With --dist, the built package (dist/esm, after npm run build) is checked the same way.
// Usage: node scripts/run.mjs scripts/check-tree-shaking.ts [--dist]   (exits 1 on failure)
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

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
// Proves the app bundle is the token provider and not an empty file, which would contain no SSM code either.
const COGNITO_MARKER: Marker = { label: 'Cognito service name', pattern: /AWSCognitoIdentityProviderService/ };
const COGNITO_EXTERNAL_MARKER: Marker = {
  label: 'import of @aws-sdk/client-cognito-identity-provider',
  pattern: /["']@aws-sdk\/client-cognito-identity-provider["']/,
};

// npm run and the usage line above run this from the package root.
const root = process.cwd();
const sources = [{ label: 'src/index.ts', path: resolve(root, 'src/index.ts') }];
if (process.argv.includes('--dist')) {
  const dist = resolve(root, 'dist/esm/index.js');
  if (!existsSync(dist)) {
    console.error('--dist: dist/esm/index.js does not exist; run npm run build first');
    process.exit(1);
  }
  sources.push({ label: 'dist/esm/index.js', path: dist });
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

async function bundle(contents: string, sdkExternal: boolean): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'handler.ts' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'error',
    external: sdkExternal ? ['@aws-sdk/*', '@smithy/*'] : [],
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output');
  return output.text;
}

const failures: string[] = [];
const kb = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;

for (const source of sources) {
  for (const sdkExternal of [false, true]) {
    const mode = `${source.label}, ${sdkExternal ? '@aws-sdk external' : '@aws-sdk bundled'}`;
    const [appBundle, controlBundle] = await Promise.all([
      bundle(app(source.path), sdkExternal),
      bundle(control(source.path), sdkExternal),
    ]);
    const markers = sdkExternal ? EXTERNAL_MARKERS : BUNDLED_MARKERS;
    const sanity = sdkExternal ? COGNITO_EXTERNAL_MARKER : COGNITO_MARKER;
    if (!sanity.pattern.test(appBundle)) failures.push(`${mode}: app bundle lacks the ${sanity.label}`);
    for (const marker of markers) {
      if (!marker.pattern.test(controlBundle)) {
        failures.push(`${mode}: control (fromSsm used) lacks the ${marker.label}, so this marker proves nothing`);
      }
      if (marker.pattern.test(appBundle)) {
        failures.push(`${mode}: app without fromSsm contains the ${marker.label}`);
      }
    }
    console.log(`${mode}: without fromSsm ${kb(appBundle)}, with fromSsm ${kb(controlBundle)}`);
  }
}

if (failures.length > 0) {
  console.error(`tree shaking check FAILED:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log('tree shaking check passed: an app that never calls fromSsm bundles no SSM client code');

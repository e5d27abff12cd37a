// The consumer projects the packaging test writes next to the installed tarball. They live here as text, not as
// files under test/, because they import 'cognito-token-provider' by name: the repository's own typecheck would
// resolve that to dist/, which does not exist before `npm run build`.

/**
 * SECRET_HASH known answer, computed independently of the package:
 *   printf '%s' 'svc-orders@example.com4rtbp1kcm0example' \
 *     | openssl dgst -sha256 -hmac 'client-secret-known-answer' -binary | base64
 */
export const SECRET_HASH_VECTOR = {
  username: 'svc-orders@example.com',
  clientId: '4rtbp1kcm0example',
  clientSecret: 'client-secret-known-answer',
  expected: 'HKSCaW3aWN6dJdxyvYz06w4zasDim3MUg/K4pBPvVu8=',
};

/** What the JavaScript consumers print, as one JSON line. */
export interface ConsumerReport {
  /** Where each entry point (`cognito-token-provider`, `cognito-token-provider/ssm`, ...) resolved to. */
  readonly resolved: Record<string, string>;
  /** The runtime export names of each entry point. */
  readonly exports: Record<string, string[]>;
  readonly secretHash: string;
  readonly configurationError: ErrorReport;
  /** fromSsm's own option check, from the /ssm entry point, checked against the root's CognitoTokenError. */
  readonly ssmConfigurationError: ErrorReport;
}

export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly isCognitoTokenError: boolean;
}

// Shared by both JavaScript consumers: exercise real code paths, not only the import.
const EXERCISE = `
const { CognitoTokenError, computeSecretHash, createTokenProvider } = modules['cognito-token-provider'];
const { fromSsm } = modules['cognito-token-provider/ssm'];
const { username, clientId, clientSecret } = ${JSON.stringify(SECRET_HASH_VECTOR)};
const report = { resolved, exports: exportNames, secretHash: computeSecretHash(username, clientId, clientSecret) };
const describe = (error) => ({
  code: error.code,
  message: error.message,
  isCognitoTokenError: error instanceof CognitoTokenError,
});
try {
  createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
  report.configurationError = 'none thrown';
} catch (error) {
  report.configurationError = describe(error);
}
try {
  fromSsm({});
  report.ssmConfigurationError = 'none thrown';
} catch (error) {
  report.ssmConfigurationError = describe(error);
}
console.log(JSON.stringify(report));
`;

/** An ES module app that imports each of `specifiers`, the package's entry points, and prints a {@link ConsumerReport}. */
export function esmConsumer(specifiers: readonly string[]): string {
  return `
const specifiers = ${JSON.stringify(specifiers)};
const modules = Object.fromEntries(
  await Promise.all(specifiers.map(async (specifier) => [specifier, await import(specifier)])),
);
const resolved = Object.fromEntries(specifiers.map((specifier) => [specifier, import.meta.resolve(specifier)]));
const exportNames = Object.fromEntries(
  specifiers.map((specifier) => [specifier, Object.keys(modules[specifier]).sort()]),
);
${EXERCISE}`;
}

/** The same app in CommonJS. */
export function cjsConsumer(specifiers: readonly string[]): string {
  return `
const specifiers = ${JSON.stringify(specifiers)};
const modules = Object.fromEntries(specifiers.map((specifier) => [specifier, require(specifier)]));
const resolved = Object.fromEntries(specifiers.map((specifier) => [specifier, require.resolve(specifier)]));
const exportNames = Object.fromEntries(
  specifiers.map((specifier) => [
    specifier,
    Object.keys(modules[specifier]).filter((name) => name !== '__esModule').sort(),
  ]),
);
${EXERCISE}`;
}

/** What {@link DUAL_BUILD_CONSUMER} prints. */
export interface DualBuildReport {
  readonly resolved: Record<string, string>;
  /** Which class object each error's constructor is: `esm root`, `cjs root`, or `another copy`. */
  readonly constructors: Record<string, string>;
  /** error → class → `error instanceof class`. */
  readonly instanceOf: Record<string, Record<string, boolean>>;
}

/**
 * One process that loads the ES module build (import) and the CommonJS build (require) of the package, as an app
 * does when one of its dependencies requires the package and its own code imports it. Each build has its own
 * error classes, and the CommonJS /ssm bundle has a third copy: `instanceof` must still hold across all of them.
 * The errors are real throws: option checks, and a sign-in that Cognito (a stand-in client) answers with a
 * challenge. A plain Error and a look-alike (same name and code, no brand) must match no class.
 */
export const DUAL_BUILD_CONSUMER = `
import { createRequire } from 'node:module';
import * as esm from 'cognito-token-provider';
import * as esmSsm from 'cognito-token-provider/ssm';

const require = createRequire(import.meta.url);
const cjs = require('cognito-token-provider');
const cjsSsm = require('cognito-token-provider/ssm');

function thrown(action) {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('nothing thrown');
}
const credentials = { username: 'u', password: 'p' };
const challenging = {
  send: async () => ({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session', ChallengeParameters: {} }),
};
async function challenge(build) {
  const tokens = build.createTokenProvider({ clientId: 'client', client: challenging, credentials });
  return tokens.getIdToken().then(() => new Error('no challenge'), (error) => error);
}

const errors = {
  'esm configuration': thrown(() => esm.createTokenProvider({ clientId: '', credentials })),
  'cjs configuration': thrown(() => cjs.createTokenProvider({ clientId: '', credentials })),
  'esm challenge': await challenge(esm),
  'cjs challenge': await challenge(cjs),
  'esm /ssm configuration': thrown(() => esmSsm.fromSsm({})),
  'cjs /ssm configuration': thrown(() => cjsSsm.fromSsm({})),
  'plain Error': new Error('not ours'),
  'look-alike': Object.assign(new Error('not ours'), { name: 'CognitoTokenError', code: 'ERR_CONFIGURATION' }),
};
const classes = {
  'esm CognitoTokenError': esm.CognitoTokenError,
  'cjs CognitoTokenError': cjs.CognitoTokenError,
  'esm ChallengeRequiredError': esm.ChallengeRequiredError,
  'cjs ChallengeRequiredError': cjs.ChallengeRequiredError,
};
const copyOf = (type) =>
  [esm.CognitoTokenError, esm.ChallengeRequiredError].includes(type)
    ? 'esm root'
    : [cjs.CognitoTokenError, cjs.ChallengeRequiredError].includes(type)
      ? 'cjs root'
      : 'another copy';
const entries = (object, map) => Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
console.log(JSON.stringify({
  resolved: {
    esm: import.meta.resolve('cognito-token-provider'),
    esmSsm: import.meta.resolve('cognito-token-provider/ssm'),
    cjs: require.resolve('cognito-token-provider'),
    cjsSsm: require.resolve('cognito-token-provider/ssm'),
  },
  constructors: entries(errors, (error) => copyOf(error.constructor)),
  instanceOf: entries(errors, (error) => entries(classes, (type) => error instanceof type)),
}));
`;

/**
 * Type-level checks. Each `@ts-expect-error` fails the compile if the package's types went missing or turned
 * into `any`, since the error it expects would then not happen.
 */
export const TYPED_CONSUMER = `
import {
  CognitoTokenError,
  type CognitoTokenErrorCode,
  type CognitoTokens,
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
} from 'cognito-token-provider';
import { type FromSsmOptions, fromSsm } from 'cognito-token-provider/ssm';
// @ts-expect-error fromSsm lives in cognito-token-provider/ssm, so that the root never needs @aws-sdk/client-ssm
import { fromSsm as notFromTheRoot } from 'cognito-token-provider';

const options: TokenProviderOptions = {
  clientId: '4rtbp1kcm0example',
  userPoolId: 'eu-west-1_AbC123',
  credentials: { username: 'svc-orders', password: 'not-a-real-password' },
};
export const provider: TokenProvider = createTokenProvider(options);
export const idToken: Promise<string> = provider.getIdToken();
export const tokens: Promise<CognitoTokens> = provider.getTokens();
const ssmOptions: FromSsmOptions = { parameter: '/svc/orders/cognito' };
export const fromParameterStore: TokenProvider = createTokenProvider({
  clientId: '4rtbp1kcm0example',
  credentials: fromSsm(ssmOptions),
});
export const unused: unknown = notFromTheRoot;

export function codeOf(error: unknown): CognitoTokenErrorCode | undefined {
  return error instanceof CognitoTokenError ? error.code : undefined;
}

// @ts-expect-error credentials are required
createTokenProvider({ clientId: '4rtbp1kcm0example' });
// @ts-expect-error not one of the package's error codes
export const notACode: CognitoTokenErrorCode = 'ERR_NOT_A_CODE';
// @ts-expect-error getIdToken resolves to a string
export const notANumber: Promise<number> = provider.getIdToken();
// @ts-expect-error one JSON parameter or named ones, not both
fromSsm({ parameter: '/svc/orders/cognito', username: '/svc/orders/username' });
`;

/**
 * Imports every runtime export of each entry point by name, so a value the JavaScript has but the declarations
 * lack fails. `exports` maps a specifier (`cognito-token-provider/ssm`) to its runtime export names.
 */
export function everyExportConsumer(exports: Readonly<Record<string, readonly string[]>>): string {
  const entries = Object.entries(exports);
  return [
    ...entries.map(([specifier, names], index) => {
      const aliased = names.map((name) => `${name} as entry${index}_${name}`);
      return `import { ${aliased.join(', ')} } from '${specifier}';`;
    }),
    `export const everyExport: unknown[] = [${entries
      .flatMap(([, names], index) => names.map((name) => `entry${index}_${name}`))
      .join(', ')}];`,
    '',
  ].join('\n');
}

/** A strict tsconfig; with `libCheck`, the declarations in node_modules (ours and the SDK's) are checked too. */
export function consumerTsconfig(
  module: string,
  moduleResolution: string,
  files: readonly string[],
  libCheck: boolean,
): string {
  return JSON.stringify(
    {
      compilerOptions: {
        module,
        moduleResolution,
        target: 'ES2022',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        noEmit: true,
        skipLibCheck: !libCheck,
      },
      files,
    },
    null,
    2,
  );
}

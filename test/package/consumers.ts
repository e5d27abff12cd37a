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
  readonly resolved: string;
  readonly exports: string[];
  readonly secretHash: string;
  readonly configurationError: {
    readonly code: string;
    readonly message: string;
    readonly isCognitoTokenError: boolean;
  };
}

// Shared by both JavaScript consumers: exercise real code paths, not only the import.
const EXERCISE = `
const { username, clientId, clientSecret } = ${JSON.stringify(SECRET_HASH_VECTOR)};
const report = { resolved, exports: exportNames, secretHash: computeSecretHash(username, clientId, clientSecret) };
try {
  createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
  report.configurationError = 'none thrown';
} catch (error) {
  report.configurationError = {
    code: error.code,
    message: error.message,
    isCognitoTokenError: error instanceof CognitoTokenError,
  };
}
console.log(JSON.stringify(report));
`;

export const ESM_CONSUMER = `
import * as everything from 'cognito-token-provider';
import { CognitoTokenError, computeSecretHash, createTokenProvider } from 'cognito-token-provider';

const resolved = import.meta.resolve('cognito-token-provider');
const exportNames = Object.keys(everything).sort();
${EXERCISE}`;

export const CJS_CONSUMER = `
const everything = require('cognito-token-provider');
const { CognitoTokenError, computeSecretHash, createTokenProvider } = everything;

const resolved = require.resolve('cognito-token-provider');
const exportNames = Object.keys(everything).filter((name) => name !== '__esModule').sort();
${EXERCISE}`;

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
  fromSsm,
  type TokenProvider,
  type TokenProviderOptions,
} from 'cognito-token-provider';

const options: TokenProviderOptions = {
  clientId: '4rtbp1kcm0example',
  userPoolId: 'eu-west-1_AbC123',
  credentials: { username: 'svc-orders', password: 'not-a-real-password' },
};
export const provider: TokenProvider = createTokenProvider(options);
export const idToken: Promise<string> = provider.getIdToken();
export const tokens: Promise<CognitoTokens> = provider.getTokens();
export const fromParameterStore: TokenProvider = createTokenProvider({
  clientId: '4rtbp1kcm0example',
  credentials: fromSsm({ parameter: '/svc/orders/cognito' }),
});

export function codeOf(error: unknown): CognitoTokenErrorCode | undefined {
  return error instanceof CognitoTokenError ? error.code : undefined;
}

// @ts-expect-error credentials are required
createTokenProvider({ clientId: '4rtbp1kcm0example' });
// @ts-expect-error not one of the package's error codes
export const notACode: CognitoTokenErrorCode = 'ERR_NOT_A_CODE';
// @ts-expect-error getIdToken resolves to a string
export const notANumber: Promise<number> = provider.getIdToken();
`;

/** Imports every runtime export by name, so a value the JavaScript has but the declarations lack fails. */
export function everyExportConsumer(exportNames: readonly string[]): string {
  return [
    `import { ${exportNames.join(', ')} } from 'cognito-token-provider';`,
    `export const everyExport: unknown[] = [${exportNames.join(', ')}];`,
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

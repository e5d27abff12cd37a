import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, ROOT } from './packed-install.js';

// A Lambda runtime may bundle an SDK from before April 2025, without GetTokensFromRefreshTokenCommand. The
// built package must still load there, from ESM and from CommonJS, and refuse only the mode that needs it.
// The stand-in SDK below exports just what such a version has of what we use: every SDK v3 release has the
// sign-in, challenge and device commands, and a newer command must be read the way src/aws/optional-commands.ts does, or
// the ES module build fails to link here. The project has no SSM client, which the package root never loads.
const OLD_SDK = `
class CognitoIdentityProviderClient { constructor(config) { this.config = config; } async send() { return {}; } }
class Command { constructor(input) { this.input = input; } }
class InitiateAuthCommand extends Command {}
class AdminInitiateAuthCommand extends Command {}
class RespondToAuthChallengeCommand extends Command {}
class AdminRespondToAuthChallengeCommand extends Command {}
class ConfirmDeviceCommand extends Command {}
class UpdateDeviceStatusCommand extends Command {}
module.exports = {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  AdminInitiateAuthCommand,
  RespondToAuthChallengeCommand,
  AdminRespondToAuthChallengeCommand,
  ConfirmDeviceCommand,
  UpdateDeviceStatusCommand,
};
`;

const CHECK = (load: string) => `
${load}
const credentials = { username: 'u', password: 'p' };
createTokenProvider({ clientId: 'x', region: 'eu-west-1', credentials });
let code = 'none';
try {
  createTokenProvider({ clientId: 'x', region: 'eu-west-1', refresh: 'get-tokens-from-refresh-token', credentials });
} catch (error) {
  code = error.code;
}
console.log(code);
`;

// A namespace import compiled to CommonJS (tsc's __importStar, esbuild's __toESM) copies every export of the
// SDK, several hundred, on load. The CommonJS build must read the commands it needs as properties instead: a
// Proxy in place of the SDK's exports records any enumeration of them.
const NO_COPY = `
const sdkPath = require.resolve('@aws-sdk/client-cognito-identity-provider');
const sdk = require(sdkPath);
const enumerations = [];
require.cache[sdkPath].exports = new Proxy(sdk, {
  ownKeys(target) {
    enumerations.push(new Error('enumerated here').stack.split('\\n').slice(2, 4).join(' '));
    return Reflect.ownKeys(target);
  },
});
${CHECK("const { createTokenProvider } = require('cognito-token-provider');")}
console.log(JSON.stringify(enumerations));
`;

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ctp-old-sdk-'));
  const sdk = join(root, 'node_modules/@aws-sdk/client-cognito-identity-provider');
  mkdirSync(sdk, { recursive: true });
  writeFileSync(
    join(sdk, 'package.json'),
    JSON.stringify({ name: '@aws-sdk/client-cognito-identity-provider', version: '3.400.0', main: 'index.js' }),
  );
  writeFileSync(join(sdk, 'index.js'), OLD_SDK);
  const pkg = join(root, 'node_modules/cognito-token-provider');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  writeFileSync(join(root, 'check.mjs'), CHECK("import { createTokenProvider } from 'cognito-token-provider';"));
  writeFileSync(join(root, 'check.cjs'), CHECK("const { createTokenProvider } = require('cognito-token-provider');"));
  writeFileSync(join(root, 'no-copy.cjs'), NO_COPY);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the built package with an SDK that predates GetTokensFromRefreshToken', () => {
  it.each(['check.mjs', 'check.cjs'])('loads from %s and refuses only the rotation mode', (file) => {
    const output = execFileSync(process.execPath, [file], { cwd: root, env: childEnv(), encoding: 'utf8' });
    expect(output.trim()).toBe('ERR_CONFIGURATION');
  });

  it('from CommonJS, reads the commands it needs without copying all of the SDK exports', () => {
    const output = execFileSync(process.execPath, ['no-copy.cjs'], { cwd: root, env: childEnv(), encoding: 'utf8' });

    const [code, enumerations] = output.trim().split('\n');
    expect(code).toBe('ERR_CONFIGURATION');
    expect(JSON.parse(enumerations ?? 'null')).toEqual([]);
  });
});

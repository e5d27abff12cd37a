import { GetClientTokenCommand, GetTokensFromRefreshTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The ES module form (src/aws/optional-commands.ts) and the one the CommonJS build bundles in its place
// (scripts/build.mjs) must answer alike; the built package is checked against an old SDK in
// test/package/old-sdk-runtime.test.ts.
const FORMS = [
  ['ES module form', () => import('../../src/aws/optional-commands.js')],
  ['CommonJS form', () => import('../../src/aws/optional-commands-cjs.js')],
] as const;

afterEach(() => {
  vi.doUnmock('@aws-sdk/client-cognito-identity-provider');
  vi.resetModules();
});

describe.each(FORMS)('%s', (_form, load) => {
  it("returns the installed SDK's commands", async () => {
    const { getClientTokenCommand, getTokensFromRefreshTokenCommand } = await load();

    expect(getTokensFromRefreshTokenCommand()).toBe(GetTokensFromRefreshTokenCommand);
    expect(getClientTokenCommand()).toBe(GetClientTokenCommand);
  });

  it('returns undefined for the commands an older SDK lacks', async () => {
    vi.resetModules();
    vi.doMock('@aws-sdk/client-cognito-identity-provider', async (importOriginal) => ({
      ...(await importOriginal<typeof import('@aws-sdk/client-cognito-identity-provider')>()),
      // Vitest's module mock throws on reading an export it lacks; an explicit undefined is what an old SDK gives.
      GetClientTokenCommand: undefined,
      GetTokensFromRefreshTokenCommand: undefined,
    }));
    const { getClientTokenCommand, getTokensFromRefreshTokenCommand } = await load();

    expect(getTokensFromRefreshTokenCommand()).toBeUndefined();
    expect(getClientTokenCommand()).toBeUndefined();
  });
});

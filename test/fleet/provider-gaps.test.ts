// The four security gaps of the shared cache (issue "Fleet cache v2"), tried through the providers as a user
// would meet them. The fleet protocol closes its part of each (test/fleet/shared-token-cache.test.ts:
// `discard`, `expiresAtOf`, `writeKey`, `requiresExplicitKey`); what is left is the wiring of the provider
// kernel, which these tests check (each failed before the kernel wired discard, the tokens' exp, writeKey and the
// public-client check).
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { createTokenProvider, shareTokenStore, type TokenProviderOptions, type TokenStore } from '../../src/index.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const USERNAME = 'svc-gaps-user';
const PASSWORD = 'Gaps-Pa55word-Old-42';
const NEW_PASSWORD = 'Gaps-Pa55word-New-43';
const CLIENT_SECRET = 'gaps-client-secret-0123456789';

let serial = 0;
/** The password Cognito accepts. */
let current = PASSWORD;

beforeEach(() => {
  cognito.reset();
  serial = 0;
  current = PASSWORD;
  cognito.on(InitiateAuthCommand).callsFake(async (input: { AuthParameters?: Record<string, string> }) => {
    if (input.AuthParameters?.PASSWORD !== current) {
      throw new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} });
    }
    serial++;
    // Tokens stamped with Cognito's clock, which the test sets apart from the instances' clocks.
    return {
      AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: Math.floor(cognitoNow() / 1000), serial }),
    };
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Cognito's clock: the real one, whatever an instance's says. */
let cognitoOffsetMs = 0;
const cognitoNow = () => Date.now() - cognitoOffsetMs;

function instance(store: TokenStore, overrides: Partial<TokenProviderOptions> = {}) {
  return createTokenProvider({
    clientId: 'gaps-client',
    userPoolId: 'eu-west-1_Gaps1',
    credentials: { username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET },
    sharedCache: shareTokenStore(store),
    ...overrides,
  } as TokenProviderOptions);
}

const signIns = () => cognito.commandCalls(InitiateAuthCommand).filter((call) => call.returnValue !== undefined);

describe('the shared cache hands out what Cognito would', () => {
  // The kernel's invalidate() must call the shared cache's discard(value) with the value it clears (and
  // refresh() passes the refused value to obtainShared, which already discards it).
  it('after invalidate(), the same tokens do not come back from the store', async () => {
    const memory = memoryTokenStore();
    const provider = instance(memory.store);
    const revoked = await provider.getIdToken();

    provider.invalidate();
    const next = await provider.getIdToken();

    expect(next).not.toBe(revoked);
    expect(await instance(memory.store).getIdToken()).not.toBe(revoked);
  });

  it('after refresh(), the refused tokens come back neither to this instance nor to another', async () => {
    const memory = memoryTokenStore();
    const provider = instance(memory.store);
    const refused = await provider.getIdToken();

    const renewed = await provider.refresh();

    expect(renewed.idToken).not.toBe(refused);
    expect(await instance(memory.store).getIdToken()).not.toBe(refused);
  });

  // The kernel adapter's expiresAtOf (and decode) must take the expiry from the tokens' own `exp` claims, not
  // from an expiry computed on the writer's clock.
  it('an instance whose clock is 20 minutes fast cannot make the others serve tokens past their exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const memory = memoryTokenStore();
    const real = Date.UTC(2026, 11, 7, 9, 0, 0);
    cognitoOffsetMs = 20 * 60_000;
    vi.setSystemTime(real + cognitoOffsetMs);
    const written = await instance(memory.store).getIdToken();

    // A correct clock, a minute past the tokens' exp (1 hour after Cognito issued them).
    cognitoOffsetMs = 0;
    vi.setSystemTime(real + 61 * 60_000);
    const read = await instance(memory.store).getIdToken();

    expect(read).not.toBe(written);
  });

  // The kernel adapter must give the shared cache a writeKey that derives the sealing key from the credentials
  // the fetch signed in with (after a reload), not from those it started with.
  it('after a password rotation, the new entry opens with the new password, not the old one', async () => {
    const memory = memoryTokenStore();
    // Rotated in Cognito and in the parameter store; this instance's source still holds the old password until
    // Cognito refuses it and the provider reads again.
    current = NEW_PASSWORD;
    const source = vi.fn(async (options?: { forceRefresh?: boolean }) => ({
      username: USERNAME,
      password: options?.forceRefresh === true ? NEW_PASSWORD : PASSWORD,
      clientSecret: CLIENT_SECRET,
    }));
    await instance(memory.store, { credentials: source }).getIdToken();
    expect(source).toHaveBeenLastCalledWith(expect.objectContaining({ forceRefresh: true }));
    const before = signIns().length;

    const onNewPassword = instance(memory.store, {
      credentials: { username: USERNAME, password: NEW_PASSWORD, clientSecret: CLIENT_SECRET },
    });
    await onNewPassword.getIdToken();

    // It read the fresh entry: no sign-in of its own.
    expect(signIns().length).toBe(before);
  });

  // The kernel must refuse, at construction, a shared cache for an app client without a secret unless the store
  // has an explicit encryptionKey (requiresExplicitKey(store, clientSecret) from the fleet protocol).
  it('a client without a secret cannot share through a store without an encryptionKey', () => {
    expect(() =>
      instance(memoryTokenStore().store, { credentials: { username: USERNAME, password: PASSWORD } }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });

  it('a client without a secret shares through a store with an encryptionKey', async () => {
    const memory = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(1) });
    const noSecret = { credentials: { username: USERNAME, password: PASSWORD } };
    const first = await instance(memory.store, noSecret).getIdToken();
    expect(await instance(memory.store, noSecret).getIdToken()).toBe(first);
    expect(signIns()).toHaveLength(1);
  });
});

// The four security gaps of the shared cache (issue "Fleet cache v2"), tried through the providers as a user
// would meet them. The fleet protocol closes its part of each (test/fleet/shared-token-cache.test.ts: `discard`,
// `expiresAtOf`, `writeKey`; test/fleet/entry-sealing.test.ts: `storeKeyMaterial`); what is left is the wiring of
// the provider kernel, which these tests check (each failed before the kernel wired discard, the tokens' exp,
// writeKey and the public-client check). The sealing after a password rotation (writeKey), and the refusal of a
// public client without an encryptionKey, are checked once, in test/user/shared-cache.test.ts.
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';
import { fleetInstance, PASSWORD, USERNAME } from '../helpers/providers.js';

const cognito = mockClient(CognitoIdentityProviderClient);

let serial = 0;

beforeEach(() => {
  cognito.reset();
  serial = 0;
  cognito.on(InitiateAuthCommand).callsFake(async (input: { AuthParameters?: Record<string, string> }) => {
    if (input.AuthParameters?.PASSWORD !== PASSWORD) {
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

const signIns = () => cognito.commandCalls(InitiateAuthCommand).filter((call) => call.returnValue !== undefined);

describe('the shared cache hands out what Cognito would', () => {
  // The kernel's invalidate() must call the shared cache's discard(value) with the value it clears (and
  // refresh() passes the refused value to obtainShared, which already discards it).
  it('after invalidate(), the same tokens do not come back from the store', async () => {
    const memory = memoryTokenStore();
    const provider = fleetInstance(memory.store);
    const revoked = await provider.getIdToken();

    provider.invalidate();
    const next = await provider.getIdToken();

    expect(next).not.toBe(revoked);
    expect(await fleetInstance(memory.store).getIdToken()).not.toBe(revoked);
  });

  it('after refresh(), the refused tokens come back neither to this instance nor to another', async () => {
    const memory = memoryTokenStore();
    const provider = fleetInstance(memory.store);
    const refused = await provider.getIdToken();

    const renewed = await provider.refresh();

    expect(renewed.idToken).not.toBe(refused);
    expect(await fleetInstance(memory.store).getIdToken()).not.toBe(refused);
  });

  // The kernel adapter's expiresAtOf (and decode) must take the expiry from the tokens' own `exp` claims, not
  // from an expiry computed on the writer's clock.
  it('an instance whose clock is 20 minutes fast cannot make the others serve tokens past their exp', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const memory = memoryTokenStore();
    const real = Date.UTC(2026, 11, 7, 9, 0, 0);
    cognitoOffsetMs = 20 * 60_000;
    vi.setSystemTime(real + cognitoOffsetMs);
    const written = await fleetInstance(memory.store).getIdToken();

    // A correct clock, a minute past the tokens' exp (1 hour after Cognito issued them).
    cognitoOffsetMs = 0;
    vi.setSystemTime(real + 61 * 60_000);
    const read = await fleetInstance(memory.store).getIdToken();

    expect(read).not.toBe(written);
  });

  // A public client's entries are sealed with the store's encryptionKey (storeKeyMaterial(store, clientSecret) is
  // undefined without one); without one the kernel refuses it, as test/user/shared-cache.test.ts checks.
  it('a client without a secret shares through a store with an encryptionKey', async () => {
    const memory = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(1) });
    const noSecret = { credentials: { username: USERNAME, password: PASSWORD } };
    const first = await fleetInstance(memory.store, noSecret).getIdToken();
    expect(await fleetInstance(memory.store, noSecret).getIdToken()).toBe(first);
    expect(signIns()).toHaveLength(1);
  });
});

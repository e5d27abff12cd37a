import { AdminSetUserPasswordCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { clientConfigFor } from '../../harness/cognito-local.js';
import { type CognitoSrpServer, type SrpServerPool, startCognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';

/**
 * Starts cognito-local behind the counting proxy once for the file, hands it to `started`, stops it after the
 * file, and clears the proxy's counts and faults before each test.
 */
export function useCognitoStack(started: (stack: CognitoStack) => void): void {
  let stack: CognitoStack | undefined;
  beforeAll(async () => {
    stack = await startCognitoStack();
    started(stack);
  });
  afterAll(() => stack?.stop());
  beforeEach(() => {
    stack?.proxy.resetCounts();
    stack?.proxy.setFaults([]);
  });
}

/**
 * Starts a Cognito SRP server for each of `pools` once for the file, hands them to `started` in the same order,
 * closes them after the file, and before each test forgets the requests they recorded and puts their clocks back
 * to the real one.
 */
export function useSrpServers<const Pools extends readonly SrpServerPool[]>(
  pools: Pools,
  started: (servers: { -readonly [K in keyof Pools]: CognitoSrpServer }) => void,
): void {
  let servers: CognitoSrpServer[] = [];
  beforeAll(async () => {
    servers = await Promise.all(pools.map((pool) => startCognitoSrpServer(pool)));
    started(servers as { -readonly [K in keyof Pools]: CognitoSrpServer });
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });
  beforeEach(() => {
    for (const server of servers) {
      server.requests.length = 0;
      server.setNow(undefined);
    }
  });
}

/** Gives the seed user `password` (permanent) in the emulator, as an administrator would after a rotation. */
export async function setUserPassword(stack: CognitoStack, password: string): Promise<void> {
  const admin = new CognitoIdentityProviderClient(clientConfigFor(stack.emulator.endpoint));
  try {
    await admin.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.seed.userPoolId,
        Username: stack.seed.user.email,
        Password: password,
        Permanent: true,
      }),
    );
  } finally {
    admin.destroy();
  }
}

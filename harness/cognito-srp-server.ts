/**
 * The loopback user pool the integration tests, the demo and the benchmarks use: the one implementation in
 * `src/testing` (shipped as `cognito-token-provider/testing`), with what tests need beyond the public API: every
 * request's body, a frozen clock (`setNow`), and a user's devices. Its SRP and TOTP math never imports `src/user`;
 * `test/integration/srp-server.test.ts` and `srp-server-devices.test.ts` validate it with
 * amazon-cognito-identity-js.
 *
 * @example
 * ```ts
 * const server = await startCognitoSrpServer({
 *   userPoolId: 'eu-west-1_Harness1',
 *   clients: [{ clientId: 'app', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
 *   users: [{ username: 'f0e4b3c1-7d21-4a4e-9c1b-2f6a8d5e0c11', aliases: ['ops@example.com'], password: 'pw' }],
 * });
 * const sdk = new CognitoIdentityProviderClient({ endpoint: server.endpoint, region: 'eu-west-1' });
 * // ... sign in; server.requests lists every call
 * await server.close();
 * ```
 */
import { type LocalCognito, startUserPoolServer } from '../src/testing/local-cognito.js';
import type { PoolClient, PoolDevice, PoolDeviceTracking, PoolUser } from '../src/testing/user-pool.js';

export { srpPasswordSignature, srpServerB, srpVerifier } from '../src/testing/srp-math.js';

export type SrpServerClient = PoolClient;
export type SrpServerUser = PoolUser;
export type SrpServerDeviceTracking = PoolDeviceTracking;
export type SrpServerDevice = PoolDevice;

export interface SrpServerPool {
  /** `<region>_<id>`; the part after `_` is the SRP pool name. */
  userPoolId: string;
  clients: SrpServerClient[];
  users: SrpServerUser[];
  /** ID and access token lifetime (`ExpiresIn`). Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Device tracking; off when absent. */
  devices?: SrpServerDeviceTracking;
}

export interface RecordedRequest {
  operation: string;
  body: Record<string, unknown>;
}

export interface CognitoSrpServer {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` or amazon-cognito-identity-js's pool `endpoint`. */
  readonly endpoint: string;
  /** Every request, in order, including refused ones. */
  readonly requests: RecordedRequest[];
  /** The public handle: JWKS, issuer, counts, faults, `advance`. */
  readonly local: LocalCognito;
  /** Freezes the server clock (TOTP steps, TIMESTAMP window, token times, sessions); `undefined` unfreezes. */
  setNow(epochMs: number | undefined): void;
  /** The devices registered for a user (by any of its names), confirmed or not, oldest first. */
  devicesOf(username: string): SrpServerDevice[];
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. Throws at once on an inconsistent pool. */
export async function startCognitoSrpServer(pool: SrpServerPool): Promise<CognitoSrpServer> {
  const requests: RecordedRequest[] = [];
  const server = await startUserPoolServer(
    {
      userPoolId: pool.userPoolId,
      clients: pool.clients,
      users: pool.users,
      tokenLifetimeSeconds: pool.tokenLifetimeSeconds ?? 3600,
      devices: pool.devices,
    },
    { onRequest: (operation, body) => requests.push({ operation, body }) },
  );
  return {
    endpoint: server.handle.endpoint,
    requests,
    local: server.handle,
    setNow: server.setNow,
    devicesOf: server.devicesOf,
    close: server.handle.stop,
  };
}

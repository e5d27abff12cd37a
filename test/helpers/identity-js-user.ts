/**
 * amazon-cognito-identity-js, the independent SRP client that the test servers are checked against, wrapped so
 * that each call ends in an outcome to assert on rather than in callbacks.
 */
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type CognitoUserSession,
  type ICognitoStorage,
} from 'amazon-cognito-identity-js';

/** How one sign-in step of the library ended. */
export type LibraryOutcome =
  | { kind: 'success'; session: CognitoUserSession; userConfirmationNecessary: boolean | undefined }
  | { kind: 'failure'; error: Error & { code?: string } }
  | { kind: 'totp' };

/** One user of one app client, as an app built on the library holds it. */
export interface LibraryUser {
  readonly user: CognitoUser;
  signIn(password: string): Promise<LibraryOutcome>;
  sendTotp(code: string): Promise<LibraryOutcome>;
}

/** Where the library signs in, and as whom. */
export interface LibraryUserOptions {
  /** The server's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly username: string;
  /** Where the library keeps tokens and the device (one per simulated app install); its own default otherwise. */
  readonly storage?: ICognitoStorage;
  /** Default USER_SRP_AUTH. */
  readonly flow?: 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH';
}

/** A library user for `options`; nothing is sent until `signIn`. */
export function identityJsUser(options: LibraryUserOptions): LibraryUser {
  const { endpoint, userPoolId, clientId, username, storage, flow = 'USER_SRP_AUTH' } = options;
  const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint, Storage: storage });
  const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  user.setAuthenticationFlowType(flow);
  const callbacks = (resolve: (outcome: LibraryOutcome) => void) => ({
    onSuccess: (session: CognitoUserSession, userConfirmationNecessary?: boolean) =>
      resolve({ kind: 'success', session, userConfirmationNecessary }),
    onFailure: (error: Error & { code?: string }) => resolve({ kind: 'failure', error }),
    totpRequired: () => resolve({ kind: 'totp' }),
  });
  return {
    user,
    signIn: (password) =>
      new Promise((resolve) =>
        user.authenticateUser(
          new AuthenticationDetails({ Username: username, Password: password }),
          callbacks(resolve),
        ),
      ),
    sendTotp: (code) => new Promise((resolve) => user.sendMFACode(code, callbacks(resolve), 'SOFTWARE_TOKEN_MFA')),
  };
}

/** The session of a successful outcome; any other outcome fails the test, naming what happened instead. */
export function sessionOf(outcome: LibraryOutcome): Extract<LibraryOutcome, { kind: 'success' }> {
  if (outcome.kind !== 'success') {
    throw new Error(`expected a sign-in, got ${outcome.kind}: ${String((outcome as { error?: unknown }).error)}`);
  }
  return outcome;
}

// The SDK commands that older SDKs lack: GetTokensFromRefreshToken came in 2025-04 and GetClientToken later, and
// a Lambda runtime may bundle an SDK from before either. A named import of an export the SDK lacks stops Node
// from linking the whole package, so this reads them as properties of a namespace import, which also lets a
// user's bundler see exactly which commands are used and drop the rest. The CommonJS build takes
// ./optional-commands-cjs.ts instead (scripts/build.mjs): there a namespace import would copy every one of the
// SDK's exports on load.
import * as cognitoSdk from '@aws-sdk/client-cognito-identity-provider';

type Command<Name extends 'GetTokensFromRefreshTokenCommand' | 'GetClientTokenCommand'> =
  | (typeof cognitoSdk)[Name]
  | undefined;

// A property an older SDK lacks, or a module mock's stand-in, is no command.
const usable = <C>(command: C | undefined): C | undefined => (typeof command === 'function' ? command : undefined);

/** The installed SDK's GetTokensFromRefreshTokenCommand, `undefined` when the SDK predates it. */
export function getTokensFromRefreshTokenCommand(): Command<'GetTokensFromRefreshTokenCommand'> {
  return usable(cognitoSdk.GetTokensFromRefreshTokenCommand as Command<'GetTokensFromRefreshTokenCommand'>);
}

/** The installed SDK's GetClientTokenCommand, `undefined` when the SDK predates it. */
export function getClientTokenCommand(): Command<'GetClientTokenCommand'> {
  return usable(cognitoSdk.GetClientTokenCommand as Command<'GetClientTokenCommand'>);
}

// ./optional-commands.ts for the CommonJS build, which scripts/build.mjs bundles with this file in its place.
// Bundled to CommonJS, a namespace import becomes a copy of all of the SDK's several hundred exports, made on load
// (about 3 ms of a cold start); named imports become property reads of the required module at call time, which
// give `undefined` for a command an older SDK lacks, as in CommonJS a missing export is no error.
import { GetClientTokenCommand, GetTokensFromRefreshTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import type * as esm from './optional-commands.js';

// A type-only import of the ES module form: importing its value would bring its namespace import back in.
const usable = <C>(command: C | undefined): C | undefined => (typeof command === 'function' ? command : undefined);

/** Same signature as the ES module form, which TypeScript checks. */
export const getTokensFromRefreshTokenCommand: typeof esm.getTokensFromRefreshTokenCommand = () =>
  usable(GetTokensFromRefreshTokenCommand as ReturnType<typeof esm.getTokensFromRefreshTokenCommand>);

/** Same signature as the ES module form, which TypeScript checks. */
export const getClientTokenCommand: typeof esm.getClientTokenCommand = () =>
  usable(GetClientTokenCommand as ReturnType<typeof esm.getClientTokenCommand>);

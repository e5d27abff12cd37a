// ./cognito-optional-commands.ts for the CommonJS build, which scripts/build.mjs bundles with this file in its
// place. Bundled to CommonJS, a namespace import becomes a copy of all of the SDK's several hundred exports,
// made on load (about 3 ms of a cold start); named imports become property reads of the required module at
// call time, which give `undefined` for a command an older SDK lacks, as in CommonJS a missing export is no error.
import { GetClientTokenCommand, GetTokensFromRefreshTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import type * as esm from './cognito-optional-commands.js';

/**
 * The installed SDK's GetTokensFromRefreshTokenCommand, `undefined` when the SDK predates it. Same signature as
 * the ES module form, which TypeScript checks.
 *
 * @example
 * ```ts
 * const supportsRotation = typeof getTokensFromRefreshTokenCommand() === 'function';
 * ```
 */
export const getTokensFromRefreshTokenCommand: typeof esm.getTokensFromRefreshTokenCommand = () =>
  GetTokensFromRefreshTokenCommand as typeof GetTokensFromRefreshTokenCommand | undefined;

/**
 * The installed SDK's GetClientTokenCommand, `undefined` when the SDK predates it. Same signature as the ES
 * module form, which TypeScript checks.
 *
 * @example
 * ```ts
 * const supportsGetClientToken = typeof getClientTokenCommand() === 'function';
 * ```
 */
export const getClientTokenCommand: typeof esm.getClientTokenCommand = () =>
  GetClientTokenCommand as typeof GetClientTokenCommand | undefined;

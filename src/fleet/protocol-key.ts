/**
 * The key under which a shared store carries the fleet protocol (see `shareTokenStore`). The providers read
 * the protocol through the store instead of importing it, so a handler without a shared cache bundles none of
 * it. `Symbol.for`, because the CommonJS build has one copy of each entry point: a store made by the
 * `/dynamodb` bundle must be recognised by the root bundle's providers.
 */
export const FLEET_PROTOCOL: unique symbol = Symbol.for('cognito-token-provider.fleet-protocol') as never;

/**
 * The RFC 6238 appendix B test vectors for SHA-1 (last 6 digits), which both TOTP implementations in the package
 * (the provider's and the local pool's) are checked against.
 */

/** The appendix B SHA-1 seed: the ASCII string "12345678901234567890". */
export const RFC6238_SHA1_SEED = '12345678901234567890';

/** [Unix time in seconds, expected 6-digit code] pairs from RFC 6238 appendix B, SHA-1. */
export const RFC6238_SHA1_VECTORS: readonly (readonly [seconds: number, code: string])[] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];

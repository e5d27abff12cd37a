import { describe, expect, it } from 'vitest';
import { computeSecretHash } from '../../src/user/secret-hash.js';

describe('computeSecretHash', () => {
  // Vectors computed independently:
  //   printf '%s' "$USERNAME$CLIENT_ID" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
  it('matches an openssl HMAC-SHA256 known answer', () => {
    expect(computeSecretHash('svc-orders', '4rtbp1kcm0example', 's3cr3t-client-secret-value')).toBe(
      'hYN+v9OpFG84sTZmrbKccPcIaFgB/oOyAq8l2kfkU2M=',
    );
  });

  it('hashes the UTF-8 bytes of non-ASCII usernames', () => {
    expect(computeSecretHash('jöhn@example.com', '1example23456789', 'a-secret')).toBe(
      'o4UYI5nEcnVFTwppqdwwwf0VFDaf3HfONzm4/aZx7M4=',
    );
  });

  it('depends on the username, so an alias and the real username give different hashes', () => {
    const clientId = '4rtbp1kcm0example';
    expect(computeSecretHash('alias@example.com', clientId, 'k')).not.toBe(
      computeSecretHash('7d8c5a52-2a3f-4c7e-9f61-1f0a2b3c4d5e', clientId, 'k'),
    );
  });
});

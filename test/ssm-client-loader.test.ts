import { describe, expect, it } from 'vitest';
import { loadSsmClient } from '#ssm-client-loader';
import * as ssmClient from '../src/ssm-client.js';
import * as eager from '../src/ssm-client-eager.js';
import * as lazy from '../src/ssm-client-lazy.js';

// Both loaders must hand out the one module that imports @aws-sdk/client-ssm: scripts/build.mjs bundles the
// eager one into dist/esm/index.bundler.js (what bundlers get) and the lazy one into dist/esm/index.js and the
// CommonJS build (what Node gets), so each path is only as right as its loader. The lazy loader's
// missing-peer path is tested in ssm-credentials.test.ts; the packaged one in test/package/optional-ssm-peer.
describe('#ssm-client-loader', () => {
  it('eager: resolves to ./ssm-client.js, already imported', async () => {
    const loaded = await eager.loadSsmClient();

    expect(loaded.ssmGetParameters).toBe(ssmClient.ssmGetParameters);
  });

  it('lazy: resolves to ./ssm-client.js, imported on the call', async () => {
    const loaded = await lazy.loadSsmClient();

    expect(loaded.ssmGetParameters).toBe(ssmClient.ssmGetParameters);
  });

  it('is the lazy loader in unit tests, as in plain Node (vitest.config.ts alias)', () => {
    expect(loadSsmClient).toBe(lazy.loadSsmClient);
  });
});

// Counts the token requests (each one billed by Cognito, USD 2.25 per 1,000) that a machine-to-machine client
// makes for a steady stream of getAccessToken() calls, under fake time so an hour takes a second. The built
// package asks a loopback OAuth2 token endpoint, which issues tokens of --lifetime seconds and counts requests;
// the clock (Date.now) jumps from call to call, spreading --calls calls evenly over each hour.
// Usage: npm run build && node scripts/run.mjs scripts/m2m-requests.ts [--calls 10000] [--lifetime 3600]
//        [--refresh-ahead 300] [--hours 1,24]
import { parseArgs } from 'node:util';
import { createClientTokenProvider } from 'cognito-token-provider';
import { startTokenEndpoint } from '../test/helpers/token-endpoint-server.js';

const USD_PER_REQUEST = 2.25 / 1000;
const HOUR_MS = 3600_000;

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '10000' },
    lifetime: { type: 'string', default: '3600' },
    'refresh-ahead': { type: 'string', default: '300' },
    hours: { type: 'string', default: '1,24' },
  },
});
const callsPerHour = Number(values.calls);
const lifetimeSeconds = Number(values.lifetime);
const refreshAheadSeconds = Number(values['refresh-ahead']);
const hoursList = values.hours.split(',').map(Number);

const realNow = Date.now;
let fakeNow = realNow();
Date.now = () => fakeNow;

const endpoint = await startTokenEndpoint(() => ({
  status: 200,
  json: { access_token: `opaque-token-${endpoint.requests.length}`, expires_in: lifetimeSeconds, token_type: 'Bearer' },
}));

try {
  console.log(
    `${callsPerHour} getAccessToken() calls per hour, evenly spaced; tokens live ${lifetimeSeconds} s; ` +
      `refreshAheadSeconds ${refreshAheadSeconds}\n`,
  );
  console.log('| hours | calls | token requests (cached) | cost | without a cache | cost |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const hours of hoursList) {
    endpoint.requests.length = 0;
    const start = fakeNow;
    const m2m = createClientTokenProvider({
      clientId: 'm2m-request-count',
      clientSecret: 'not-a-real-secret',
      tokenEndpoint: endpoint.url,
      refreshAheadSeconds,
    });
    const calls = Math.round(callsPerHour * hours);
    for (let call = 0; call < calls; call++) {
      fakeNow = start + (call * hours * HOUR_MS) / calls;
      await m2m.getAccessToken();
    }
    fakeNow = start + hours * HOUR_MS;
    const requests = endpoint.requests.length;
    const usd = (count: number) => `USD ${(count * USD_PER_REQUEST).toFixed(count < 100 ? 4 : 2)}`;
    console.log(`| ${hours} | ${calls} | ${requests} | ${usd(requests)} | ${calls} | ${usd(calls)} |`);
  }
} finally {
  Date.now = realNow;
  await endpoint.stop();
}

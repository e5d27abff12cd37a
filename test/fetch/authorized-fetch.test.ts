import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthorizedFetchOptions,
  CognitoTokenError,
  createAuthorizedFetch,
  createClientTokenProvider,
  createTokenProvider,
  type FetchFunction,
} from '../../src/index.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

/** What the loopback API saw of one request. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly custom: string | undefined;
  readonly body: string;
}

/**
 * A loopback API that accepts one token and answers 401 to any other, like API Gateway after a token was
 * revoked. `/status/<n>` always answers n; the first request to `/hold` waits for `release()` before answering.
 */
class LoopbackApi {
  readonly received: Received[] = [];
  acceptedToken = 'fresh-token';
  #server: Server | undefined;
  #held: Array<() => void> = [];
  #heldArrival: (() => void) | undefined;

  async start(): Promise<string> {
    this.#server = createServer(async (request, response) => {
      const body = await readBody(request);
      const path = request.url ?? '/';
      const authorization = request.headers.authorization;
      this.received.push({
        method: request.method ?? 'GET',
        path,
        authorization,
        contentType: request.headers['content-type'],
        custom: request.headers['x-custom'] as string | undefined,
        body,
      });
      if (path === '/hold' && this.received.filter((r) => r.path === '/hold').length === 1) {
        await new Promise<void>((resolve) => {
          this.#held.push(resolve);
          this.#heldArrival?.();
        });
      }
      const forced = /^\/status\/(\d+)$/.exec(path)?.[1];
      const token = authorization?.replace(/^Bearer /, '');
      const status = forced !== undefined ? Number(forced) : token === this.acceptedToken ? 200 : 401;
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status === 200 ? `ok ${body}` : 'Unauthorized');
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once a request to `/hold` has arrived and is being held. */
  heldRequestArrived(): Promise<void> {
    if (this.#held.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#heldArrival = resolve;
    });
  }

  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }

  reset(): void {
    this.received.length = 0;
    this.acceptedToken = 'fresh-token';
  }

  async stop(): Promise<void> {
    this.release();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A user provider that hands out `stale-token` until refresh() renews it to `fresh-token`. */
function fakeUserProvider(options: { refreshFails?: boolean } = {}) {
  const calls = { getIdToken: 0, getAccessToken: 0, refresh: 0 };
  let idToken = 'stale-token';
  let accessToken = 'stale-access-token';
  return {
    calls,
    async getIdToken() {
      calls.getIdToken++;
      return idToken;
    },
    async getAccessToken() {
      calls.getAccessToken++;
      return accessToken;
    },
    async refresh() {
      calls.refresh++;
      if (options.refreshFails) throw new CognitoTokenError('ERR_AUTHENTICATION', 'Cognito rejected the sign-in');
      idToken = 'fresh-token';
      accessToken = 'fresh-access-token';
      return { idToken, accessToken };
    },
  };
}

/** A machine-to-machine provider: an access token only, and a refresh() that returns just that. */
function fakeClientProvider() {
  const calls = { refresh: 0 };
  let accessToken = 'stale-access-token';
  return {
    calls,
    async getAccessToken() {
      return accessToken;
    },
    async refresh() {
      calls.refresh++;
      accessToken = 'fresh-access-token';
      return { accessToken, expiresAt: new Date() };
    },
  };
}

const api = new LoopbackApi();
let baseUrl: string;

beforeAll(async () => {
  baseUrl = await api.start();
});

afterAll(async () => {
  await api.stop();
});

beforeEach(() => {
  api.reset();
});

/** GET /orders through createAuthorizedFetch over a new {@link fakeUserProvider}, the API accepting `acceptedToken`. */
async function getOrders(acceptedToken: string, options?: AuthorizedFetchOptions) {
  const provider = fakeUserProvider();
  api.acceptedToken = acceptedToken;
  const response = await createAuthorizedFetch(provider, options)(`${baseUrl}/orders`);
  return { provider, response };
}

describe('the Authorization header', () => {
  it('sends the raw ID token by default, and does not renew when the API accepts it', async () => {
    const { provider, response } = await getOrders('stale-token');

    expect(response.status).toBe(200);
    expect(api.received.map((r) => r.authorization)).toEqual(['stale-token']);
    expect(provider.calls.refresh).toBe(0);
  });

  it("prefixes the token with 'Bearer ' with scheme 'Bearer'", async () => {
    const provider = fakeUserProvider();
    api.acceptedToken = 'stale-token';
    const apiFetch = createAuthorizedFetch(provider, { scheme: 'Bearer' });

    await apiFetch(new URL(`${baseUrl}/orders`));

    expect(api.received[0]?.authorization).toBe('Bearer stale-token');
  });

  it("sends the access token with token 'access'", async () => {
    const { provider, response } = await getOrders('stale-access-token', { token: 'access' });

    expect(response.status).toBe(200);
    expect(api.received[0]?.authorization).toBe('stale-access-token');
    expect(provider.calls.getIdToken).toBe(0);
  });

  it("keeps the caller's other headers, whatever form they come in", async () => {
    api.acceptedToken = 'stale-token';
    const apiFetch = createAuthorizedFetch(fakeUserProvider());

    await apiFetch(`${baseUrl}/a`, { headers: { 'x-custom': 'one' } });
    await apiFetch(`${baseUrl}/b`, { headers: new Headers({ 'x-custom': 'two' }) });
    await apiFetch(`${baseUrl}/c`, { headers: [['x-custom', 'three']] });

    expect(api.received.map((r) => [r.custom, r.authorization])).toEqual([
      ['one', 'stale-token'],
      ['two', 'stale-token'],
      ['three', 'stale-token'],
    ]);
  });

  it('sends an Authorization header the caller set untouched, and never retries it', async () => {
    const provider = fakeUserProvider();
    const apiFetch = createAuthorizedFetch(provider);

    const plain = await apiFetch(`${baseUrl}/a`, { headers: { Authorization: 'caller-token' } });
    const inHeaders = await apiFetch(`${baseUrl}/b`, { headers: new Headers({ authorization: 'caller-token' }) });
    const inRequest = await apiFetch(new Request(`${baseUrl}/c`, { headers: { authorization: 'caller-token' } }));

    expect([plain.status, inHeaders.status, inRequest.status]).toEqual([401, 401, 401]);
    expect(api.received.map((r) => r.authorization)).toEqual(['caller-token', 'caller-token', 'caller-token']);
    expect(provider.calls).toEqual({ getIdToken: 0, getAccessToken: 0, refresh: 0 });
  });
});

describe('a 401 answer', () => {
  it('renews the token once and sends the request again with the new one', async () => {
    const { provider, response } = await getOrders('fresh-token');

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok ');
    expect(api.received.map((r) => r.authorization)).toEqual(['stale-token', 'fresh-token']);
    expect(provider.calls.refresh).toBe(1);
  });

  it('retries only once: a second 401 is returned to the caller', async () => {
    const { provider, response } = await getOrders('a-token-nobody-has');

    expect(response.status).toBe(401);
    expect(api.received).toHaveLength(2);
    expect(provider.calls.refresh).toBe(1);
  });

  it.each([400, 403, 404, 429, 500, 503])('never retries a %i', async (status) => {
    const provider = fakeUserProvider();
    const apiFetch = createAuthorizedFetch(provider);

    const response = await apiFetch(`${baseUrl}/status/${status}`);

    expect(response.status).toBe(status);
    expect(api.received).toHaveLength(1);
    expect(provider.calls.refresh).toBe(0);
  });

  it("works with a machine-to-machine provider and token 'access'", async () => {
    const provider = fakeClientProvider();
    api.acceptedToken = 'fresh-access-token';
    const apiFetch = createAuthorizedFetch(provider, { token: 'access', scheme: 'Bearer' });

    const response = await apiFetch(`${baseUrl}/orders`);

    expect(response.status).toBe(200);
    expect(api.received.map((r) => r.authorization)).toEqual([
      'Bearer stale-access-token',
      'Bearer fresh-access-token',
    ]);
    expect(provider.calls.refresh).toBe(1);
  });

  it("rejects with the provider's error when the renewal fails, after one send", async () => {
    const provider = fakeUserProvider({ refreshFails: true });
    const apiFetch = createAuthorizedFetch(provider);

    const failure = apiFetch(`${baseUrl}/orders`);

    await expect(failure).rejects.toMatchObject({ name: 'CognitoTokenError', code: 'ERR_AUTHENTICATION' });
    expect(api.received).toHaveLength(1);
  });

  it('rejects, sending nothing, when the provider cannot give a first token', async () => {
    const provider = {
      getIdToken: () => Promise.reject(new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito is unavailable')),
      getAccessToken: () => Promise.reject(new Error('unused')),
      refresh: () => Promise.reject(new Error('unused')),
    };
    const apiFetch = createAuthorizedFetch(provider);

    await expect(apiFetch(new Request(`${baseUrl}/orders`, { method: 'POST', body: 'x' }))).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
    });
    expect(api.received).toHaveLength(0);
  });

  it('rejects when a provider renews without the token asked for', async () => {
    const provider = {
      getIdToken: async () => 'stale-token',
      getAccessToken: async () => 'stale-access-token',
      refresh: async () => ({ accessToken: 'fresh-access-token' }) as { accessToken: string; idToken: string },
    };
    const apiFetch = createAuthorizedFetch(provider);

    await expect(apiFetch(`${baseUrl}/orders`)).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
  });

  it('does not renew again when another request already replaced the rejected token', async () => {
    const provider = fakeUserProvider();
    const apiFetch = createAuthorizedFetch(provider);
    const slow = apiFetch(`${baseUrl}/hold`);
    await api.heldRequestArrived();

    const fast = await apiFetch(`${baseUrl}/orders`);
    api.release();
    const held = await slow;

    expect([fast.status, held.status]).toEqual([200, 200]);
    expect(provider.calls.refresh).toBe(1);
    expect(api.received.filter((r) => r.path === '/hold').map((r) => r.authorization)).toEqual([
      'stale-token',
      'fresh-token',
    ]);
  });

  it('renews from the refresh token, not with the password, using the real token provider', async () => {
    const cognito = mockClient(CognitoIdentityProviderClient);
    const now = Math.floor(Date.now() / 1000);
    const first = cognitoTokens({ username: 'svc-orders', nowSeconds: now, serial: 1 });
    const second = cognitoTokens({ username: 'svc-orders', nowSeconds: now, serial: 2 });
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolves({ AuthenticationResult: first })
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolves({ AuthenticationResult: { ...second, RefreshToken: undefined } });
    const tokens = createTokenProvider({
      clientId: 'client-id',
      region: 'eu-west-1',
      credentials: { username: 'svc-orders', password: 'Pa55word-of-the-service' },
    });
    api.acceptedToken = second.IdToken;
    const apiFetch = createAuthorizedFetch(tokens);

    try {
      const response = await apiFetch(`${baseUrl}/orders`);

      expect(response.status).toBe(200);
      expect(api.received.map((r) => r.authorization)).toEqual([first.IdToken, second.IdToken]);
      const flows = cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input.AuthFlow);
      expect(flows).toEqual(['USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH']);
    } finally {
      cognito.restore();
    }
  });
});

describe('bodies', () => {
  const replayable: Array<[string, () => NonNullable<RequestInit['body']>, string]> = [
    ['a string', () => '{"id":1}', '{"id":1}'],
    ['URLSearchParams', () => new URLSearchParams({ id: '1' }), 'id=1'],
    ['an ArrayBuffer', () => new TextEncoder().encode('bytes').buffer as ArrayBuffer, 'bytes'],
    ['a typed array', () => new TextEncoder().encode('typed'), 'typed'],
    ['a DataView', () => new DataView(new TextEncoder().encode('view').buffer as ArrayBuffer), 'view'],
    ['a Blob', () => new Blob(['blob']), 'blob'],
  ];

  it.each(replayable)('replays %s after a 401', async (_kind, body, expected) => {
    const apiFetch = createAuthorizedFetch(fakeUserProvider());

    const response = await apiFetch(`${baseUrl}/orders`, { method: 'POST', body: body() });

    expect(response.status).toBe(200);
    expect(api.received.map((r) => [r.method, r.body])).toEqual([
      ['POST', expected],
      ['POST', expected],
    ]);
  });

  it('replays FormData after a 401', async () => {
    const form = new FormData();
    form.set('field', 'form-value');
    const apiFetch = createAuthorizedFetch(fakeUserProvider());

    const response = await apiFetch(`${baseUrl}/orders`, { method: 'POST', body: form });

    expect(response.status).toBe(200);
    expect(api.received).toHaveLength(2);
    for (const received of api.received) {
      expect(received.contentType).toMatch(/^multipart\/form-data; boundary=/);
      expect(received.body).toContain('form-value');
    }
  });

  it('returns the 401 without renewing when the body is a stream, which cannot be sent twice', async () => {
    const provider = fakeUserProvider();
    const apiFetch = createAuthorizedFetch(provider);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });

    const response = await apiFetch(`${baseUrl}/orders`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(401);
    expect(await response.text()).toBe('Unauthorized');
    expect(api.received.map((r) => r.body)).toEqual(['streamed']);
    expect(provider.calls.refresh).toBe(0);
  });

  it('clones a Request before the first send, so its body and headers are replayed', async () => {
    const apiFetch = createAuthorizedFetch(fakeUserProvider());
    const request = new Request(`${baseUrl}/orders`, {
      method: 'PUT',
      body: '{"id":2}',
      headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
    });

    const response = await apiFetch(request);

    expect(response.status).toBe(200);
    expect(api.received).toEqual([
      expect.objectContaining({ method: 'PUT', body: '{"id":2}', custom: 'kept', authorization: 'stale-token' }),
      expect.objectContaining({ method: 'PUT', body: '{"id":2}', custom: 'kept', authorization: 'fresh-token' }),
    ]);
  });

  it('replays a Request whose body is a stream, through the clone', async () => {
    const apiFetch = createAuthorizedFetch(fakeUserProvider());
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('request-stream'));
        controller.close();
      },
    });
    const request = new Request(`${baseUrl}/orders`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);

    const response = await apiFetch(request);

    expect(response.status).toBe(200);
    expect(api.received.map((r) => r.body)).toEqual(['request-stream', 'request-stream']);
  });

  it('merges init into a Request input, as fetch does', async () => {
    api.acceptedToken = 'stale-token';
    const apiFetch = createAuthorizedFetch(fakeUserProvider());

    await apiFetch(new Request(`${baseUrl}/orders`), { method: 'POST', body: 'from-init' });

    expect(api.received).toEqual([expect.objectContaining({ method: 'POST', body: 'from-init' })]);
  });

  it('rejects a Request whose body was already read, as fetch does, sending nothing', async () => {
    const provider = fakeUserProvider();
    const apiFetch = createAuthorizedFetch(provider);
    const request = new Request(`${baseUrl}/orders`, { method: 'POST', body: 'read-once' });
    await request.text();

    await expect(apiFetch(request)).rejects.toBeInstanceOf(TypeError);
    expect(api.received).toHaveLength(0);
    expect(provider.calls.refresh).toBe(0);
  });

  it('releases the kept copy of a Request body when no retry is needed', async () => {
    api.acceptedToken = 'stale-token';
    const apiFetch = createAuthorizedFetch(fakeUserProvider());
    const { request, kept } = watchedRequest('once');

    const response = await apiFetch(request);

    expect(response.status).toBe(200);
    expect(api.received.map((r) => r.body)).toEqual(['once']);
    expect(kept()?.bodyUsed).toBe(true);
  });

  it.each([
    ['the renewal fails', () => fakeUserProvider({ refreshFails: true })],
    [
      'the renewal returns no token',
      () => ({
        ...fakeUserProvider(),
        refresh: async () => ({ accessToken: 'x' }) as { accessToken: string; idToken: string },
      }),
    ],
    [
      'the token cannot be read again',
      () => {
        let reads = 0;
        return {
          ...fakeUserProvider(),
          getIdToken: async () => {
            reads++;
            if (reads > 1) throw new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito is unavailable');
            return 'stale-token';
          },
        };
      },
    ],
  ])('releases the kept copy of a Request body when %s after a 401', async (_label, makeProvider) => {
    const apiFetch = createAuthorizedFetch(makeProvider());
    const { request, kept } = watchedRequest('kept for a retry');

    const failure = await apiFetch(request).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(CognitoTokenError);
    expect(api.received.map((r) => r.authorization)).toEqual(['stale-token']);
    expect(kept()?.bodyUsed).toBe(true);
  });

  it('releases the body of the retry when the wrapped fetch fails before reading it', async () => {
    const sent: Array<string | URL | Request> = [];
    const failingRetry: FetchFunction = async (input, init) => {
      sent.push(input);
      if (sent.length > 1) throw new TypeError('network down');
      return fetch(input, init);
    };
    const apiFetch = createAuthorizedFetch(fakeUserProvider(), { fetch: failingRetry });
    const { request } = watchedRequest('kept for a retry');

    const failure = await apiFetch(request).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'TypeError', message: 'network down' });
    expect(sent).toHaveLength(2);
    expect((sent[1] as Request).bodyUsed).toBe(true);
  });
});

/**
 * A POST Request whose clone, the copy the wrapper keeps for a retry, the test can look at afterwards. Its
 * `bodyUsed` turns true once the body is read or cancelled: either way no buffered copy is left.
 */
function watchedRequest(body: string): { request: Request; kept: () => Request | undefined } {
  const request = new Request(`${baseUrl}/orders`, { method: 'POST', body });
  const clones: Request[] = [];
  const clone = request.clone.bind(request);
  // The types declare clone read-only; the object lets it be redefined.
  Object.defineProperty(request, 'clone', {
    value: () => {
      const copy = clone();
      clones.push(copy);
      return copy;
    },
  });
  return { request, kept: () => (clones.length === 1 ? clones[0] : undefined) };
}

describe('the wrapped fetch', () => {
  it('calls the fetch given in options', async () => {
    const seen: string[] = [];
    const recording: FetchFunction = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
    api.acceptedToken = 'stale-token';
    const apiFetch = createAuthorizedFetch(fakeUserProvider(), { fetch: recording });

    await apiFetch(`${baseUrl}/orders`);

    expect(seen).toEqual([`${baseUrl}/orders`]);
  });

  it('still retries when the 401 from a custom fetch has a body that cannot be released', async () => {
    let sends = 0;
    const lockedUnauthorized: FetchFunction = async (input, init) => {
      sends++;
      if (sends > 1) return fetch(input, init);
      const response = new Response('Unauthorized', { status: 401 });
      response.body?.getReader();
      return response;
    };
    const apiFetch = createAuthorizedFetch(fakeUserProvider(), { fetch: lockedUnauthorized });

    const response = await apiFetch(`${baseUrl}/orders`);

    expect(response.status).toBe(200);
    expect(api.received.map((r) => r.authorization)).toEqual(['fresh-token']);
  });

  it('looks up the global fetch on each call, so a later stub or polyfill is used', async () => {
    const original = globalThis.fetch;
    const apiFetch = createAuthorizedFetch(fakeUserProvider());
    let stubbed = 0;
    globalThis.fetch = (async () => {
      stubbed++;
      return new Response('stub', { status: 200 });
    }) as typeof fetch;
    try {
      const response = await apiFetch(`${baseUrl}/orders`);
      expect(await response.text()).toBe('stub');
    } finally {
      globalThis.fetch = original;
    }
    expect(stubbed).toBe(1);
  });
});

describe('configuration', () => {
  afterEach(() => api.release());

  it.each([
    [{ token: 'refresh' }, '"token"'],
    [{ scheme: 'bearer' }, '"scheme"'],
    [{ fetch: 'not-a-function' }, '"fetch"'],
  ])('rejects %o, naming the option', (options, option) => {
    const make = () => createAuthorizedFetch(fakeUserProvider(), options as never);

    expect(make).toThrow(CognitoTokenError);
    expect(make).toThrow(option);
  });

  it('rejects options that are not an object', () => {
    expect(() => createAuthorizedFetch(fakeUserProvider(), null as never)).toThrow('"options"');
  });

  it('rejects a provider without refresh()', () => {
    const provider = { getIdToken: async () => 't', getAccessToken: async () => 't' };

    expect(() => createAuthorizedFetch(provider as never)).toThrow(/"provider" must be a token provider/);
    expect(() => createAuthorizedFetch(undefined as never)).toThrow(/"provider"/);
  });

  it("rejects token 'id' for a provider without an ID token, suggesting token 'access'", () => {
    const make = () => createAuthorizedFetch(fakeClientProvider() as never);

    expect(make).toThrow(/"provider" has no getIdToken\(\) method.*token: 'access'/);
  });

  it("rejects token 'access' for a provider without getAccessToken()", () => {
    const provider = { getIdToken: async () => 't', refresh: async () => ({ idToken: 't', accessToken: 't' }) };

    expect(() => createAuthorizedFetch(provider as never, { token: 'access' })).toThrow(
      /"provider" has no getAccessToken\(\) method$/,
    );
  });

  it("accepts the package's providers: the user provider, and the M2M provider only with token 'access'", () => {
    const user = createTokenProvider({
      clientId: 'c',
      region: 'eu-west-1',
      credentials: { username: 'u', password: 'p' },
    });
    const m2m = createClientTokenProvider({
      clientId: 'c',
      clientSecret: 's',
      domain: 'x.auth.eu-west-1.amazoncognito.com',
    });

    expect(typeof createAuthorizedFetch(user)).toBe('function');
    expect(typeof createAuthorizedFetch(user, { token: 'access' })).toBe('function');
    expect(typeof createAuthorizedFetch(m2m, { token: 'access' })).toBe('function');
    // @ts-expect-error: an M2M provider has no ID token, so TypeScript wants token: 'access'.
    expect(() => createAuthorizedFetch(m2m)).toThrow(/"provider" has no getIdToken\(\) method/);
  });

  it('has the shape of fetch, and keeps no token where inspection could show it', async () => {
    const { inspect } = await import('node:util');
    api.acceptedToken = 'stale-token';
    const apiFetch: typeof fetch = createAuthorizedFetch(fakeUserProvider());

    await apiFetch(`${baseUrl}/orders`);

    expect(inspect(apiFetch, { showHidden: true, depth: 5 })).not.toContain('stale-token');
  });
});

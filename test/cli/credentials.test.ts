import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CliConfig } from '../../src/cli/args.js';
import { cliCredentials } from '../../src/cli/credentials.js';
import { CognitoTokenError, type CredentialsSource } from '../../src/index.js';

// The optional peers, as the CLI imports them on first use: missing or present, per test. Each test that needs a
// peer missing registers its factory again (vi.doMock) after clearing the module registry, so an import made by
// an earlier test, in whatever order they run, is not reused.
const peers = vi.hoisted(() => {
  const state = {
    ssmMissing: false,
    secretsManagerMissing: false,
    fromSsm: undefined as unknown as (options: unknown) => unknown,
    fromSecretsManager: undefined as unknown as (options: unknown) => unknown,
    ssmModule: () => {
      if (state.ssmMissing) throw new Error("Cannot find package '@aws-sdk/client-ssm'");
      return { fromSsm: (options: unknown) => state.fromSsm(options) };
    },
    secretsManagerModule: () => {
      if (state.secretsManagerMissing) throw new Error("Cannot find package '@aws-sdk/client-secrets-manager'");
      return { fromSecretsManager: (options: unknown) => state.fromSecretsManager(options) };
    },
  };
  return state;
});
vi.mock('../../src/ssm/index.js', () => peers.ssmModule());
vi.mock('../../src/secrets-manager/index.js', () => peers.secretsManagerModule());

/** `cliCredentials` from a fresh module registry, with both peers' modules to be imported anew. */
async function freshCliCredentials() {
  vi.resetModules();
  vi.doMock('../../src/ssm/index.js', () => peers.ssmModule());
  vi.doMock('../../src/secrets-manager/index.js', () => peers.secretsManagerModule());
  return (await import('../../src/cli/credentials.js')).cliCredentials;
}

const SECRET = 'Pa55word-from-the-store';

function configWith(credentials: CliConfig['credentials']): CliConfig {
  return {
    clientId: 'client-id',
    region: undefined,
    userPoolId: undefined,
    token: 'id',
    json: false,
    credentials,
    clientSecret: undefined,
    flow: 'user-password',
    totpSecret: undefined,
  } as CliConfig;
}

const load = (source: CredentialsSource) => source({ signal: new AbortController().signal, forceRefresh: false });

afterEach(() => {
  peers.ssmMissing = false;
  peers.secretsManagerMissing = false;
  vi.resetModules();
});

describe('cliCredentials without the optional peers', () => {
  it('fails naming @aws-sdk/client-ssm to install, and tries the import again on the next read', async () => {
    peers.ssmMissing = true;
    peers.fromSsm = vi.fn(() => async () => ({ username: 'svc', password: SECRET }));
    const cliCredentials = await freshCliCredentials();
    const source = cliCredentials(configWith({ kind: 'ssm-json', parameter: '/svc/creds' }), {}, {}, () => undefined);

    const error = await load(source).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({ code: 'ERR_CONFIGURATION' });
    expect((error as Error).message).toContain('npm install @aws-sdk/client-ssm');
    expect(peers.fromSsm).not.toHaveBeenCalled();

    peers.ssmMissing = false;
    vi.resetModules();
    vi.doMock('../../src/ssm/index.js', () => peers.ssmModule());
    await expect(load(source)).resolves.toMatchObject({ username: 'svc', password: SECRET });
  });

  it('fails naming @aws-sdk/client-secrets-manager to install', async () => {
    peers.secretsManagerMissing = true;
    peers.fromSecretsManager = vi.fn();
    const cliCredentials = await freshCliCredentials();
    const source = cliCredentials(
      configWith({ kind: 'secrets-manager', secretId: 'svc/creds' }),
      {},
      {},
      () => undefined,
    );

    const error = await load(source).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({ code: 'ERR_CONFIGURATION' });
    expect((error as Error).message).toContain('npm install @aws-sdk/client-secrets-manager');
    expect(peers.fromSecretsManager).not.toHaveBeenCalled();
  });
});

describe('cliCredentials reading Secrets Manager', () => {
  const secret = async () => ({ username: 'svc', password: SECRET });

  it('reads in the Region SSM is read in', async () => {
    peers.fromSecretsManager = vi.fn(() => secret);
    const source = cliCredentials(
      configWith({ kind: 'secrets-manager', secretId: 'svc/creds' }),
      {},
      { region: 'eu-central-1' },
      () => undefined,
    );

    await expect(load(source)).resolves.toMatchObject({ username: 'svc', password: SECRET });
    expect(peers.fromSecretsManager).toHaveBeenCalledWith({
      secretId: 'svc/creds',
      clientConfig: { region: 'eu-central-1' },
    });
  });

  it("leaves the Region to the SDK's own chain when none is set, and no other SSM setting leaks across", async () => {
    peers.fromSecretsManager = vi.fn(() => secret);
    const source = cliCredentials(
      configWith({ kind: 'secrets-manager', secretId: 'svc/creds' }),
      {},
      { maxAttempts: 7 },
      () => undefined,
    );

    await load(source);
    expect(peers.fromSecretsManager).toHaveBeenCalledWith({ secretId: 'svc/creds', clientConfig: {} });
  });
});

describe('cliCredentials reading named SSM parameters', () => {
  it('reads the client secret parameter in the same fromSsm source as the username and password', async () => {
    peers.fromSsm = vi.fn(() => async () => ({ username: 'svc', password: SECRET, clientSecret: 'from-ssm-secret' }));
    const config = {
      ...configWith({ kind: 'ssm-named', usernameParameter: '/svc/user', passwordParameter: '/svc/password' }),
      clientSecret: { from: 'ssm', parameter: '/svc/client-secret' },
    } as CliConfig;
    const loaded = vi.fn();

    await expect(load(cliCredentials(config, {}, {}, loaded))).resolves.toMatchObject({
      clientSecret: 'from-ssm-secret',
    });
    expect(peers.fromSsm).toHaveBeenCalledTimes(1);
    expect(peers.fromSsm).toHaveBeenCalledWith({
      username: '/svc/user',
      password: '/svc/password',
      clientSecret: '/svc/client-secret',
      clientConfig: {},
    });
    expect(loaded.mock.calls[0]?.[0]).toEqual(expect.arrayContaining([SECRET, 'from-ssm-secret']));
  });

  it('asks fromSsm for no client secret when the command names no secret parameter', async () => {
    peers.fromSsm = vi.fn(() => async () => ({ username: 'svc', password: SECRET }));
    const config = configWith({
      kind: 'ssm-named',
      usernameParameter: '/svc/user',
      passwordParameter: '/svc/password',
    });

    const loaded = await load(cliCredentials(config, {}, {}, () => undefined));

    expect(loaded).not.toHaveProperty('clientSecret');
    expect(peers.fromSsm).toHaveBeenCalledWith({ username: '/svc/user', password: '/svc/password', clientConfig: {} });
  });
});

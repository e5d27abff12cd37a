// startLocalSsm's refusals, as fromSsm or an SSMClient of a user's test would meet them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSsm, startLocalSsm } from '../../src/testing/index.js';

const SIGNED = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-2/ssm/aws4_request, x' };

let ssm: LocalSsm;
beforeAll(async () => {
  ssm = await startLocalSsm({ region: 'us-east-2' });
});
afterAll(async () => {
  await ssm?.stop();
});

async function post(headers: Record<string, string>, body: string) {
  const response = await fetch(ssm.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
    body,
  });
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    json: (await response.json()) as Record<string, unknown>,
  };
}
const target = (operation: string) => ({ 'x-amz-target': `AmazonSSM.${operation}`, ...SIGNED });

describe('startLocalSsm', () => {
  it('starts empty without parameters, and put() adds versions with ARNs in its Region', async () => {
    expect(ssm.clientConfig.region).toBe('us-east-2');
    expect((await post(target('GetParameter'), '{"Name":"plain"}')).type).toBe('ParameterNotFound');
    ssm.put({ name: 'plain', value: 'one', type: 'StringList' });
    ssm.put({ name: 'plain', value: 'two', type: 'StringList' });
    expect((await post(target('GetParameter'), '{"Name":"plain"}')).json).toEqual({
      Parameter: {
        Name: 'plain',
        Type: 'StringList',
        Value: 'two',
        Version: 2,
        ARN: 'arn:aws:ssm:us-east-2:123456789012:parameter/plain',
        DataType: 'text',
      },
    });
  });

  it('refuses an unsigned request, one signed for another service, and names no operation it lacks', async () => {
    const missing = { status: 400, type: 'MissingAuthenticationTokenException' };
    expect(await post({ 'x-amz-target': 'AmazonSSM.GetParameter' }, '{}')).toMatchObject(missing);
    const otherService = 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-2/cognito-idp/aws4_request, x';
    expect(await post({ 'x-amz-target': 'AmazonSSM.GetParameter', authorization: otherService }, '{}')).toMatchObject(
      missing,
    );
    const untargeted = await post(SIGNED, '{}');
    expect(untargeted).toMatchObject({ type: 'UnknownOperationException' });
    expect(untargeted.json.message).toBe('The local Parameter Store does not implement that operation');
  });

  it('reads an empty body as {}: no Names is a ValidationException, no Name is ParameterNotFound', async () => {
    expect(await post(target('GetParameters'), '')).toMatchObject({ type: 'ValidationException' });
    expect(await post(target('GetParameters'), '{"Names":"plain"}')).toMatchObject({ type: 'ValidationException' });
    expect(await post(target('GetParameter'), '')).toMatchObject({ type: 'ParameterNotFound' });
    expect(ssm.requests).toMatchObject({ GetParameters: 2 });
  });

  it('refuses a parameter without a string value, and stop() twice shares one promise', async () => {
    expect(() => ssm.put({ name: 'x', value: 1 as never })).toThrow(/"parameters\[\]"/);
    expect(() => ssm.put(undefined as never)).toThrow(/"parameters\[\]"/);
    const local = await startLocalSsm();
    expect(local.clientConfig.region).toBe('eu-west-1');
    const first = local.stop();
    expect(local.stop()).toBe(first);
    await first;
    await expect(fetch(local.endpoint, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(startLocalSsm({ region: 42 as never })).rejects.toThrow(/"region"/);
  });
});

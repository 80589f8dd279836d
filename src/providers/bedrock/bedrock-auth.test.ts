import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../spec/errors.js';
import { type MockUpstream, type RecordedRequest, startMockUpstream } from '../../test-support/mock-upstream.js';
import { bedrockReplay } from '../../test-support/replay-bedrock.js';
import { createBedrock } from './bedrock-provider.js';
import { bedrockDefinition } from './index.js';

const fixtures = new URL('./__fixtures__', import.meta.url).pathname;
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
});

const ask = { messages: [{ role: 'user' as const, content: 'Grüße — “quoted” ✓' }] };
const header = (request: RecordedRequest | undefined, name: string) => request?.headers[name] as string | undefined;

/** What AWS does on receipt: rebuild the canonical request from the wire and sign it again with the same key. */
async function expectedAuthorization(request: RecordedRequest, region: string, sessionToken?: string) {
  const authorization = header(request, 'authorization') ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = header(request, name) ?? '';
  // The payload hash is recomputed from the bytes received, not trusted from the header.
  if (headers['x-amz-content-sha256'] !== undefined)
    headers['x-amz-content-sha256'] = createHash('sha256').update(request.rawBody).digest('hex');
  const amzDate = header(request, 'x-amz-date') ?? '';
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken },
    sha256: Sha256,
  });
  const rawPath = new URL(request.url.href).pathname;
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', hostname: '127.0.0.1', path: rawPath, headers, body: request.rawBody }),
    { signingDate },
  );
  return signed.headers.authorization;
}

describe('bedrock auth: SigV4', () => {
  it('signs with AWS4-HMAC-SHA256 for service bedrock, and the signature matches the bytes sent', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0';
    await createBedrock({
      baseURL: upstream.url,
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET,
      env: {},
    })
      .chatModel(arn)
      .generate(ask);
    const request = upstream.requests[0];
    expect(request?.path).toBe(`/model/${encodeURIComponent(arn)}/converse`);
    expect(header(request, 'authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(header(request, 'x-amz-date')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(header(request, 'x-amz-security-token')).toBeUndefined();
    expect(header(request, 'authorization')).toBe(await expectedAuthorization(request as RecordedRequest, 'us-east-1'));
  });

  it('sends and signs x-amz-security-token for temporary credentials from the environment', async () => {
    await createBedrock({
      baseURL: upstream.url,
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: 'session-token-value',
        AWS_DEFAULT_REGION: 'eu-central-1',
      },
    })
      .chatModel('amazon.nova-lite-v1:0')
      .generate(ask);
    const request = upstream.requests[0] as RecordedRequest;
    expect(header(request, 'x-amz-security-token')).toBe('session-token-value');
    expect(header(request, 'authorization')).toContain('/eu-central-1/bedrock/aws4_request');
    expect(header(request, 'authorization')).toContain(
      'SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token',
    );
    expect(header(request, 'authorization')).toBe(
      await expectedAuthorization(request, 'eu-central-1', 'session-token-value'),
    );
  });

  it('signs embeddings calls too (InvokeModel)', async () => {
    upstream.handle(bedrockReplay(fixtures, 'doc-titan-embed-text-v2'));
    await createBedrock({
      baseURL: upstream.url,
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET,
      env: {},
    })
      .embeddingModel('amazon.titan-embed-text-v2:0')
      .embed({ input: ['hello'] });
    const request = upstream.requests[0] as RecordedRequest;
    expect(request.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(header(request, 'authorization')).toBe(await expectedAuthorization(request, 'us-east-1'));
  });

  it('uses the default endpoint bedrock-runtime.{region}.amazonaws.com', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://bedrock-runtime.ap-southeast-2.amazonaws.com')
      .intercept({ path: '/model/amazon.nova-lite-v1%3A0/converse', method: 'POST' })
      .reply(200, { output: { message: { role: 'assistant', content: [{ text: 'hi' }] } }, stopReason: 'end_turn' });
    const result = await createBedrock({
      dispatcher: agent,
      env: { AWS_REGION: 'ap-southeast-2', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET },
    })
      .chatModel('amazon.nova-lite-v1:0')
      .generate(ask);
    expect(result.choices[0]?.message.content).toBe('hi');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
});

describe('bedrock auth: API key and missing credentials', () => {
  it('sends a Bedrock API key as a bearer token instead of signing', async () => {
    await createBedrock({ baseURL: upstream.url, env: { AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' } })
      .chatModel('amazon.nova-lite-v1:0')
      .generate(ask);
    const request = upstream.requests[0];
    expect(header(request, 'authorization')).toBe('Bearer bedrock-api-key');
    expect(header(request, 'x-amz-date')).toBeUndefined();
  });

  it('prefers explicit access keys over an API key in the environment', async () => {
    await createBedrock({
      baseURL: upstream.url,
      region: 'us-east-1',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: SECRET,
      env: { AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' },
    })
      .chatModel('m')
      .generate(ask);
    expect(header(upstream.requests[0], 'authorization')).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('fails fast, naming the variables, without a network call', async () => {
    const failure = await createBedrock({ baseURL: upstream.url, region: 'us-east-1', env: {} })
      .chatModel('m')
      .stream(ask)
      .catch((error: unknown) => error);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 401, code: 'missing_credentials' });
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK'])
      expect((failure as Error).message).toContain(name);

    const noRegion = await createBedrock({ env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } })
      .embeddingModel('cohere.embed-english-v3')
      .embed({ input: ['x'] })
      .catch((error: unknown) => error);
    expect(noRegion).toMatchObject({ status: 401, code: 'missing_credentials' });
    expect((noRegion as Error).message).toContain('AWS_REGION');
    expect(upstream.requests).toHaveLength(0);
  });

  it('is created from a YAML backend (endpoint, region and keys under config)', async () => {
    const created = bedrockDefinition.create({
      env: {},
      options: { endpoint: upstream.url, region: 'us-west-2', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET },
    });
    await created.chatModel('m').generate(ask);
    expect(header(upstream.requests[0], 'authorization')).toContain('/us-west-2/bedrock/aws4_request');
    expect(bedrockDefinition.types).toContain('aws-bedrock');
  });
});

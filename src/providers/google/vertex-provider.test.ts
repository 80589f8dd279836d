import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  type RecordedRequest,
  readFixture,
  sendJson,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { googleReplay } from '../../test-support/replay-google.js';
import { findProviderDefinition, providerForBareModel } from '../registry.js';
import { clearGoogleTokenCache } from './google-auth.js';
import { createVertex } from './vertex-provider.js';

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

let upstream: MockUpstream;
let tokenRequests: RecordedRequest[];
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  tokenRequests = [];
  clearGoogleTokenCache();
});

const serviceAccount = () => ({
  type: 'service_account' as const,
  project_id: 'sa-project',
  private_key_id: 'key-1',
  private_key: privateKey,
  client_email: 'gateway@sa-project.iam.gserviceaccount.com',
  token_uri: `${upstream.url}/token`,
});

/** A Google token endpoint that checks the assertion's RS256 signature and claims. */
function tokenEndpointThenReplay(expiresIn = 3600) {
  const replay = googleReplay(fixtureDir, 'google-text');
  upstream.handle((request, res) => {
    if (request.path !== '/token') return replay(request, res);
    tokenRequests.push(request);
    const form = new URLSearchParams(request.rawBody.toString());
    const [header = '', claims = '', signature = ''] = (form.get('assertion') ?? '').split('.');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${claims}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !valid) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    sendJson(res, 200, {
      access_token: `ya29.token-${tokenRequests.length}`,
      expires_in: expiresIn,
      token_type: 'Bearer',
    });
  });
}

const user = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('vertex provider', () => {
  it('calls the regional endpoint with project and location and a Bearer access token', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://europe-west4-aiplatform.googleapis.com')
      .intercept({
        path: '/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
        method: 'POST',
        headers: { authorization: 'Bearer ya29.static' },
      })
      .reply(200, JSON.stringify(readFixture('google', 'google-text.json')), {
        headers: { 'content-type': 'application/json' },
      });
    const result = await createVertex({
      dispatcher: agent,
      env: {
        GOOGLE_VERTEX_PROJECT: 'my-project',
        GOOGLE_VERTEX_LOCATION: 'europe-west4',
        GOOGLE_VERTEX_ACCESS_TOKEN: 'ya29.static',
      },
    })
      .chatModel('gemini-2.5-flash')
      .generate(user);
    expect(result.provider).toBe('vertex');
    expect(result.choices[0]?.message.content).toContain('strawberry');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it('signs a service-account JWT, exchanges it once, and reuses the cached token', async () => {
    tokenEndpointThenReplay();
    const vertex = createVertex({
      baseURL: upstream.url,
      location: 'us-east5',
      credentials: serviceAccount(),
      env: {},
    });
    await vertex.chatModel('gemini-2.5-flash').generate(user);
    const stream = await vertex.chatModel('gemini-2.5-flash').stream(user);
    const parts = await collect(stream.parts);
    expect(parts.some((p) => p.type === 'text-delta')).toBe(true);
    expect(tokenRequests).toHaveLength(1);
    const [header, claims] = (new URLSearchParams(tokenRequests[0]?.rawBody.toString()).get('assertion') ?? '')
      .split('.')
      .slice(0, 2)
      .map((piece) => JSON.parse(Buffer.from(piece, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    expect(claims).toMatchObject({
      iss: 'gateway@sa-project.iam.gserviceaccount.com',
      aud: `${upstream.url}/token`,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(3600);
    const calls = upstream.requests.filter((r) => r.path !== '/token');
    expect(calls.map((r) => `${r.path}${r.url.search}`)).toEqual([
      '/v1/projects/sa-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent',
      '/v1/projects/sa-project/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    ]);
    expect(calls.map((r) => r.headers.authorization)).toEqual(['Bearer ya29.token-1', 'Bearer ya29.token-1']);
  });

  it('refreshes a token that is about to expire', async () => {
    tokenEndpointThenReplay(60);
    const vertex = createVertex({ baseURL: upstream.url, projectId: 'p', credentials: serviceAccount(), env: {} });
    await vertex.chatModel('gemini-2.5-flash').generate(user);
    await vertex.chatModel('gemini-2.5-flash').generate(user);
    expect(tokenRequests).toHaveLength(2);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer ya29.token-2');
  });

  it('reads credentials from the GOOGLE_APPLICATION_CREDENTIALS file', async () => {
    tokenEndpointThenReplay();
    const dir = mkdtempSync(join(tmpdir(), 'llamagate-vertex-'));
    try {
      const file = join(dir, 'sa.json');
      writeFileSync(file, JSON.stringify(serviceAccount()));
      await createVertex({ baseURL: upstream.url, env: { GOOGLE_APPLICATION_CREDENTIALS: file } })
        .chatModel('gemini-2.5-pro')
        .generate(user);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tokenRequests).toHaveLength(1);
    expect(upstream.requests.at(-1)?.path).toBe(
      '/v1/projects/sa-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent',
    );
  });

  it('reports credentials Google refuses as an authentication error', async () => {
    tokenEndpointThenReplay();
    const { privateKey: otherKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const failure = await createVertex({
      baseURL: upstream.url,
      credentials: { ...serviceAccount(), private_key: otherKey },
      env: {},
    })
      .chatModel('gemini-2.5-flash')
      .generate(user)
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 401, message: expect.stringContaining('invalid_grant') });
  });

  it('fails fast without credentials or without a project, naming what to set', async () => {
    const noCredentials = await createVertex({ baseURL: upstream.url, projectId: 'p', env: {} })
      .chatModel('gemini-2.5-flash')
      .generate(user)
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(noCredentials)).toBe(true);
    expect(noCredentials).toMatchObject({ status: 401, code: 'missing_credentials' });
    expect((noCredentials as Error).message).toContain(
      'GOOGLE_VERTEX_ACCESS_TOKEN or GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_VERTEX_API_KEY',
    );

    tokenEndpointThenReplay();
    const { project_id: _dropped, ...withoutProject } = serviceAccount();
    const noProject = await createVertex({ baseURL: upstream.url, credentials: withoutProject, env: {} })
      .chatModel('gemini-2.5-flash')
      .generate(user)
      .catch((e: unknown) => e);
    expect(noProject).toMatchObject({ status: 401, message: expect.stringContaining('GOOGLE_VERTEX_PROJECT') });
    expect(upstream.requests).toHaveLength(0);
  });

  it('embeds through :predict with outputDimensionality and token statistics', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('google', 'doc-vertex-predict-embedding.json')));
    const model = createVertex({
      baseURL: `${upstream.url}/v1/projects/p/locations/l/publishers/google`,
      accessToken: 'ya29.x',
      env: {},
    }).embeddingModel('text-embedding-005');
    expect(model.maxEmbeddingsPerCall).toBe(100);
    const result = await model.embed({
      input: ['hello world', 'bye'],
      dimensions: 3,
      providerOptions: { vertex: { taskType: 'RETRIEVAL_DOCUMENT' } },
    });
    expect(upstream.requests[0]?.path).toBe(
      '/v1/projects/p/locations/l/publishers/google/models/text-embedding-005:predict',
    );
    expect(upstream.requests[0]?.body).toEqual({
      instances: [
        { content: 'hello world', task_type: 'RETRIEVAL_DOCUMENT' },
        { content: 'bye', task_type: 'RETRIEVAL_DOCUMENT' },
      ],
      parameters: { outputDimensionality: 3 },
    });
    expect(result.embeddings).toEqual([
      [0.0123, -0.0456, 0.0789],
      [-0.0321, 0.0654, -0.0987],
    ]);
    expect(result.usage).toEqual({ promptTokens: 10, totalTokens: 10 });
    expect(createVertex({ env: {} }).embeddingModel('gemini-embedding-001').maxEmbeddingsPerCall).toBe(1);
  });
});

describe('google provider definitions', () => {
  it('routes gemini-* and type google to Gemini, type google with projectId+location (or vertex) to Vertex', async () => {
    expect(providerForBareModel('gemini-2.5-pro')?.id).toBe('gemini');
    expect(findProviderDefinition('google')?.id).toBe('gemini');
    expect(findProviderDefinition('vertex')?.id).toBe('vertex');
    const google = findProviderDefinition('google');
    expect(google?.create({ apiKey: 'k', env: {} }).id).toBe('gemini');
    const viaGoogle = google?.create({
      baseURL: upstream.url,
      env: {},
      options: { projectId: 'proj', location: 'asia-northeast1', accessToken: 'ya29.cfg' },
    });
    expect(viaGoogle?.id).toBe('vertex');
    upstream.handle(googleReplay(fixtureDir, 'google-tool-call'));
    const result = await viaGoogle?.chatModel('gemini-3-pro-preview').generate(user);
    expect(result?.choices[0]?.finishReason).toBe('tool_calls');
    expect(upstream.requests[0]?.path).toBe(
      '/v1/projects/proj/locations/asia-northeast1/publishers/google/models/gemini-3-pro-preview:generateContent',
    );
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer ya29.cfg');
  });
});

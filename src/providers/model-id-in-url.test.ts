import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '../spec/errors.js';
import type { ProviderCreateOptions } from './provider-definition.js';
import { providerDefinitions } from './registry.js';

/** Model ids a client may send to escape the model's URL path (issue 18, item 2). */
const EVIL_IDS = [
  'x/../../v1beta/cachedContents?y=#',
  '../../v1beta/cachedContents',
  'gemini-2.0-flash?alt=json',
  'gemini-2.0-flash#frag',
  'gemini\u0000flash',
  'a\\..\\b',
];

let server: Server;
let baseURL: string;
const seenPaths: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seenPaths.push(request.url ?? '');
    request.resume();
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"test upstream refuses everything"}}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

function settingsFor(id: string): ProviderCreateOptions {
  const env = {};
  switch (id) {
    case 'bedrock':
      return {
        env,
        options: { region: 'us-east-1', endpoint: baseURL, accessKeyId: 'AKIDTEST', secretAccessKey: 's' },
      };
    case 'vertex':
      return { env, baseURL, options: { projectId: 'p', location: 'us-central1', accessToken: 'token' } };
    case 'azure':
      return { env, apiKey: 'k', options: { endpoint: baseURL } };
    default:
      return { env, apiKey: 'k', baseURL };
  }
}

async function attempt(id: string, modelId: string): Promise<unknown> {
  const definition = providerDefinitions.find((candidate) => candidate.id === id);
  if (definition === undefined) throw new Error(`no provider ${id}`);
  try {
    const model = definition.create(settingsFor(id)).chatModel(modelId);
    await model.generate({ messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 5_000 });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a model id never changes the upstream URL path', () => {
  for (const definition of providerDefinitions) {
    it(`${definition.id}: refused with a 400 before any request, or kept out of the path`, async () => {
      for (const modelId of EVIL_IDS) {
        seenPaths.length = 0;
        const error = await attempt(definition.id, modelId);
        expect(error, `${definition.id} ${JSON.stringify(modelId)}`).toBeDefined();
        for (const path of seenPaths) {
          expect(path, `${definition.id} ${JSON.stringify(modelId)}`).not.toMatch(
            /cachedContents|\.\.|alt=json|#|%00|\\/,
          );
        }
        if (BadRequestError.isInstance(error) && error.param === 'model') expect(seenPaths).toEqual([]);
      }
    });
  }

  it('the URL-building adapters refuse with param "model" and status 400', async () => {
    for (const id of ['gemini', 'vertex', 'bedrock', 'azure']) {
      const error = await attempt(id, 'x/../../v1beta/cachedContents?y=#');
      expect(error, id).toMatchObject({ status: 400, code: 'invalid_request', param: 'model' });
    }
  });

  it('tuned Gemini models and Bedrock ARNs still work, encoded', async () => {
    seenPaths.length = 0;
    await attempt('gemini', 'tunedModels/my model');
    await attempt('bedrock', 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude');
    await attempt('azure', 'my deployment');
    expect(seenPaths).toEqual([
      '/tunedModels/my%20model:generateContent',
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.anthropic.claude/converse',
      '/openai/deployments/my%20deployment/chat/completions?api-version=2024-10-21',
    ]);
  });
});

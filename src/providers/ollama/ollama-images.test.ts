import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { ollamaReplay } from '../../test-support/replay-ollama.js';
import { createOllama } from './ollama-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () => createOllama({ baseURL: upstream.url, env: {} });
const bodyOf = (index = 0) => upstream.requests[index]?.body as Record<string, unknown>;

describe('ollama images', () => {
  const pixel = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );

  it('sends a data-URL image as base64 in images, next to the text', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-images'));
    const result = await provider()
      .chatModel('llava')
      .generate({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is in this image?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel.toString('base64')}` } },
            ],
          },
        ],
      });
    expect(bodyOf().messages).toMatchInlineSnapshot(`
      [
        {
          "content": "what is in this image?",
          "images": [
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
          ],
          "role": "user",
        },
      ]
    `);
    expect(result.choices[0]?.message.content).toMatch(/cute, little pig/);
  });

  it('refuses an http image URL on 127.0.0.1 unless private addresses are allowed', async () => {
    const imageURL = `${upstream.url}/pixel.png`;
    const request = {
      messages: [
        {
          role: 'user' as const,
          content: [{ type: 'image_url' as const, image_url: { url: imageURL } }],
        },
      ],
    };
    const refused = await provider()
      .chatModel('llava')
      .generate(request)
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400, code: 'unsafe_url' });
    expect(upstream.requests).toHaveLength(0);

    upstream.handle((req, res) => {
      if (req.path === '/pixel.png') {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': pixel.length });
        res.end(pixel);
        return;
      }
      return ollamaReplay(fixtures, 'doc-images')(req, res);
    });
    await createOllama({ baseURL: upstream.url, env: {}, imageFetch: { allowPrivateAddresses: true } })
      .chatModel('llava')
      .generate(request);
    expect(upstream.requests.map((r) => r.path)).toEqual(['/pixel.png', '/api/chat']);
    expect((bodyOf(1).messages as Array<{ images?: string[] }>)[0]?.images).toEqual([pixel.toString('base64')]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { isPrivateAddress, parseDataUrl, resolveImage } from './image-fetch.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
let server: MockUpstream;
beforeAll(async () => {
  server = await startMockUpstream((request, response) => {
    if (request.path === '/big') {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.alloc(2048));
    } else if (request.path === '/redirect') {
      response.writeHead(302, { location: '/image.png' });
      response.end();
    } else {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(PNG);
    }
  });
});
afterAll(() => server.close());

describe('image resolution', () => {
  it('decodes data URLs without any network access', async () => {
    expect(await resolveImage(`data:image/png;base64,${PNG.toString('base64')}`)).toEqual({
      mediaType: 'image/png',
      data: PNG.toString('base64'),
    });
    expect(parseDataUrl('data:text/plain,hi%20there')).toEqual({
      mediaType: 'text/plain',
      data: Buffer.from('hi there').toString('base64'),
    });
  });

  it('refuses loopback, private and link-local addresses unless allowed', async () => {
    await expect(resolveImage(`${server.url}/image.png`)).rejects.toMatchObject({ code: 'unsafe_url', status: 400 });
    await expect(resolveImage('http://169.254.169.254/latest/meta-data')).rejects.toMatchObject({ code: 'unsafe_url' });
    await expect(resolveImage('http://localhost:1/x.png')).rejects.toMatchObject({ code: 'unsafe_url' });
    await expect(resolveImage('http://[::1]:1/x.png')).rejects.toMatchObject({ code: 'unsafe_url' });
    await expect(resolveImage('file:///etc/passwd')).rejects.toMatchObject({ code: 'unsafe_url' });
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '::ffff:127.0.0.1',
      'fd00::1',
      '100.64.0.1',
      '::7f00:1',
      '::ffff:0:7f00:1',
      '2002:7f00:1::',
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
      '100::1',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) expect(isPrivateAddress(address)).toBe(false);
  });

  it('fetches allowed URLs with a size limit, following redirects', async () => {
    const image = await resolveImage(`${server.url}/redirect`, { allowPrivateAddresses: true });
    expect(image).toEqual({ mediaType: 'image/png', data: PNG.toString('base64') });
    await expect(
      resolveImage(`${server.url}/big`, { allowPrivateAddresses: true, maxBytes: 1024 }),
    ).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});

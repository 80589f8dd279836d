/**
 * The Requests page against the request-log API contract (HELPERS.md, "Request log API"): a gateway without
 * billing whose `/admin/requests` answers recorded contract-shaped data, so the waterfall of a failed-then-
 * served request, its usage, cost and bodies, and the filters the page sends are checked in Chromium
 * independently of which gateway features are merged. dashboard.e2e.test.ts covers a real request end to end.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '../../src/server/http-io.js';
import { BROWSER_AVAILABLE, buildDashboard, launchBrowser, screenshot } from './dashboard-browser.js';
import { type Harness, startGateway } from './gateway-harness.js';

const MASTER = 'lg-master-requests-test';
const SUMMARY = {
  id: '01a24a00-0000-7000-8000-000000000001',
  time: '2026-12-06T05:30:00.000Z',
  key_id: 'key_team_a',
  route: '/v1/chat/completions',
  format: 'openai-chat',
  model: 'fast',
  backend: 'fallback',
  status: 200,
  error_type: null,
  error_code: null,
  latency_ms: 431,
  ttfc_ms: null,
  stream: false,
  cache: 'MISS',
  input_tokens: 120,
  output_tokens: 40,
  cost_usd: '0.0042',
  attempts: 2,
};
const DETAIL = {
  ...SUMMARY,
  attempts_detail: [
    {
      backend: 'primary',
      model: 'gpt-4o-mini',
      status: 503,
      latency_ms: 120,
      error_code: 'upstream_unavailable',
      error_message: 'primary answered 503 Service Unavailable',
    },
    { backend: 'fallback', model: 'llama3.2', status: 200, latency_ms: 300, error_code: null, error_message: null },
  ],
  usage: { prompt_tokens: 120, completion_tokens: 40 },
  request_body: { model: 'fast', messages: [{ role: 'user', content: 'ping' }] },
  response_body: { choices: [{ message: { role: 'assistant', content: 'pong' } }] },
};

let gateway: Harness;
let browser: BrowserContext;
let page: Page;
const queries: string[] = [];

beforeAll(async () => {
  const uiDirectory = await buildDashboard();
  gateway = await startGateway({
    env: { API_KEY: MASTER, HEALTH_CHECK_INTERVAL: '0' },
    server: {
      uiDirectory,
      routes: [
        {
          method: 'GET',
          path: '/admin/requests',
          auth: 'master',
          handler: async (_context, request, response) => {
            queries.push(new URL(request.url ?? '/', 'http://x').search);
            sendJson(response, 200, { data: [SUMMARY], next_cursor: null });
          },
        },
        {
          method: 'GET',
          path: '/admin/requests/*',
          auth: 'master',
          handler: async (_context, _request, response) => {
            sendJson(response, 200, DETAIL);
          },
        },
      ],
    },
  });
  browser = await launchBrowser();
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

describe.skipIf(!BROWSER_AVAILABLE)('Requests page (request-log contract)', () => {
  it('filters the log and shows the attempt waterfall, usage, cost and bodies of a request', async () => {
    await page.goto(`${gateway.url}/ui/requests`);
    await page.getByLabel('API key').fill(MASTER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const filters = page.getByRole('form', { name: 'Request filters' });
    await filters.getByLabel('Status').selectOption('5xx');
    await filters.getByLabel('Model').fill('fast');
    await filters.getByLabel('Min latency (ms)').fill('400');
    await filters.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => queries.at(-1)).toBe('?status=5xx&model=fast&min_latency_ms=400&limit=50');

    const row = page.getByRole('region', { name: 'Requests' }).getByRole('row', { name: /fast/ });
    expect(await row.textContent()).toContain('$0.0042');
    await row.getByRole('link').click();

    const attempts = page.getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await expect.poll(() => attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toBe(
      '1. primary gpt-4o-mini503 · 120 ms · upstream_unavailableprimary answered 503 Service Unavailable',
    );
    expect(await attempts.nth(1).textContent()).toBe('2. fallback llama3.2200 · 300 ms');
    // The bars sit one after the other on a shared time axis: the second starts where the first ended.
    const bars = await page
      .locator('.waterfall-bar')
      .evaluateAll((elements) =>
        elements.map((element) => [
          element.className,
          (element as unknown as { style: { marginLeft: string; width: string } }).style.marginLeft,
          (element as unknown as { style: { marginLeft: string; width: string } }).style.width,
        ]),
      );
    const rounded = bars.map(([name, left, width]) => [
      name,
      Number.parseFloat(left ?? '').toFixed(2),
      Number.parseFloat(width ?? '').toFixed(2),
    ]);
    // 120 of 431 ms is 27.84%; the served attempt starts there and lasts 300 ms (69.61%).
    expect(rounded).toEqual([
      ['waterfall-bar bar-failed', '0.00', '27.84'],
      ['waterfall-bar bar-ok', '27.84', '69.61'],
    ]);
    await page.getByText('$0.0042').waitFor();
    await page.getByText('Request body').click();
    await page.getByText('"content": "ping"').waitFor();
    await page.getByText('Response body').click();
    await page.getByText('"content": "pong"').waitFor();
    await screenshot(page, 'request-detail');
  }, 60_000);
});

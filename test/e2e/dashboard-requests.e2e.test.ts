/**
 * The Requests page in Chromium against the real gateway's request log (SQLite, LOG_BODIES=all): real requests
 * through a priority pool (primary, then fallback) on a mock upstream — plain, streamed, one that primary fails
 * with 503 and fallback serves, one both fail, and a bulk of another key's — then the page's filters, cursor
 * pages, attempt waterfalls, usage, cost and bodies are checked against what the request-log API recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, MASTER_KEY, PRICES_YAML, startBillingGateway } from './billing-harness.js';
import { BROWSER_AVAILABLE, buildDashboard, launchBrowser, screenshot } from './dashboard-browser.js';

/** A request-log row as `GET /admin/requests` lists it. */
interface Row {
  id: string;
  key_id: string | null;
  model: string | null;
  backend: string | null;
  status: number;
  error_type: string | null;
  latency_ms: number;
  stream: boolean;
}

interface Attempt {
  backend: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error_code: string | null;
  error_message: string | null;
}

interface Detail extends Row {
  ttfc_ms: number | null;
  attempts_detail: Attempt[];
  request_body: string | null;
  response_body: string | null;
}

/** primary waits this long before its 503; fallback this long before answering: the fallen-back request's floor. */
const PRIMARY_DELAY_MS = 1500;
const FALLBACK_DELAY_MS = 500;
/** Comfortably under the fallen-back request's latency (≥ 2 s by construction). */
const MIN_LATENCY_MS = 1800;
/** More than one page (50 rows) with the other key's four requests. */
const BULK = 48;

let upstream: MockUpstream;
let gateway: BillingGateway;
let browser: BrowserContext;
let page: Page;
let teamA: { key: string; id: string };
let teamB: { key: string; id: string };
/** The whole log, newest first, as the API answers it once every request is recorded. */
let log: Row[];
const ids: Record<'plain' | 'streamed' | 'fellBack' | 'failed', string> = {
  plain: '',
  streamed: '',
  fellBack: '',
  failed: '',
};
/** Path and query of every request-log call the page makes. */
const sent: string[] = [];

beforeAll(async () => {
  const uiDirectory = await buildDashboard();
  const plain = answerWith();
  const served = answerWith({
    usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    delayMs: FALLBACK_DELAY_MS,
  });
  upstream = await startMockUpstream(async (request, response) => {
    const model = (request.body as { model?: string } | undefined)?.model;
    const backend = request.path.startsWith('/primary/') ? 'primary' : 'fallback';
    if (model === 'mock-flaky' && backend === 'primary') {
      await new Promise((resolve) => setTimeout(resolve, PRIMARY_DELAY_MS));
      sendJson(response, 503, { error: { message: 'primary is overloaded', type: 'server_error' } });
    } else if (model === 'mock-broken') {
      sendJson(response, 500, { error: { message: `${backend} fell over`, type: 'server_error' } });
    } else if (model === 'mock-flaky') await served(request, response);
    else await plain(request, response);
  });
  const dir = mkdtempSync(join(tmpdir(), 'lg-dashboard-requests-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    [
      'defaultBackend: pool',
      'backends:',
      '  - name: primary',
      '    type: openai-compatible',
      `    config: { endpoint: "${upstream.url}/primary/v1", apiKey: "sk-upstream" }`,
      '  - name: fallback',
      '    type: openai-compatible',
      `    config: { endpoint: "${upstream.url}/fallback/v1", apiKey: "sk-upstream" }`,
      '  - { name: pool, type: pool, strategy: priority, fallback: true, backends: [primary, fallback] }',
      // Two failures in a row must not take primary out: every later request still tries it first.
      'routing:',
      '  cooldown: { failures: 100 }',
      PRICES_YAML,
    ].join('\n'),
  );
  gateway = await startBillingGateway({
    env: {
      LLAMAGATE_DATA_DIR: dir,
      CACHE_ENABLED: 'false',
      HEALTH_CHECK_INTERVAL: '0',
      MAX_RETRIES: '0',
      LOG_BODIES: 'all',
    },
    configFile,
    server: { uiDirectory },
    observe: true,
  });
  teamA = await gateway.createKey({ name: 'team-a', credits: 5 });
  teamB = await gateway.createKey({ name: 'team-b', credits: 5 });

  // Team A: a plain answer, a streamed one, one primary fails and fallback serves, one both backends fail.
  const a = gateway.client(teamA.key);
  const plainAnswer = await a.chat.completions
    .create({ model: 'mock-1', messages: [{ role: 'user', content: 'ping' }] })
    .withResponse();
  ids.plain = plainAnswer.response.headers.get('x-request-id') ?? '';
  const stream = await a.chat.completions
    .create({
      model: 'mock-1',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream' }],
    })
    .withResponse();
  ids.streamed = stream.response.headers.get('x-request-id') ?? '';
  for await (const _chunk of stream.data);
  const fellBack = await a.chat.completions
    .create({ model: 'mock-flaky', messages: [{ role: 'user', content: 'ping' }] })
    .withResponse();
  expect(fellBack.response.headers.get('x-llamagate-backend')).toBe('fallback');
  ids.fellBack = fellBack.response.headers.get('x-request-id') ?? '';
  const failed = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${teamA.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-broken', messages: [{ role: 'user', content: 'ping' }] }),
  });
  expect(failed.status).toBe(500);
  ids.failed = failed.headers.get('x-request-id') ?? '';
  // Team B: enough quick requests that the log spans two pages.
  const b = gateway.client(teamB.key);
  for (let index = 0; index < BULK; index++)
    await b.chat.completions.create({ model: 'mock-bulk', messages: [{ role: 'user', content: `bulk ${index}` }] });

  log = await gateway.requestLogRows<Row>((rows) => rows.length >= BULK + 4);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (/^\/(admin|v1)\/requests/.test(url.pathname)) sent.push(url.pathname + url.search);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await upstream?.close();
});

async function detailOf(id: string): Promise<Detail> {
  const answer = await gateway.admin<Detail>('GET', `/admin/requests/${id}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function signIn(key: string, route = 'requests'): Promise<void> {
  await page.goto(`${gateway.url}/ui/${route}`);
  // Each scenario starts signed out, whatever the one before left in this tab.
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const table = () => page.getByRole('region', { name: 'Requests' });

/** The ids of the rows the page shows (from each row's link), top to bottom. */
function shownIds(): Promise<string[]> {
  return table()
    .locator('tbody tr a')
    .evaluateAll((links) =>
      links.map((link) => decodeURIComponent(String(link.getAttribute('href')).split('/').at(-1) ?? '')),
    );
}

/** Waits until the table shows exactly these rows (a new query replaces the old rows when it answers). */
async function expectRows(expected: string[]): Promise<void> {
  await expect.poll(shownIds, { timeout: 15_000 }).toEqual(expected);
}

/** The text of each cell of the row of request `id`. */
function cellsOf(id: string): Promise<string[]> {
  return table()
    .locator('tbody tr')
    .filter({ has: page.locator(`a[href$="/${id}"]`) })
    .locator('td')
    .allTextContents();
}

const filters = () => page.getByRole('form', { name: 'Request filters' });

/** Applies the filters and checks the exact query the page sent for them. */
async function apply(query: string): Promise<void> {
  await filters().getByRole('button', { name: 'Apply' }).click();
  await expect.poll(() => sent.at(-1), { timeout: 15_000 }).toBe(`/admin/requests${query}`);
}

async function clearFilters(): Promise<void> {
  await filters().getByLabel('Status').selectOption('');
  for (const label of ['Model', 'Key id', 'Backend', 'Error type', 'Min latency (ms)', 'Since'])
    await filters().getByLabel(label).fill('');
}

const idsWhere = (keep: (row: Row) => boolean) => log.filter(keep).map((row) => row.id);

/** Left offset and width (percent of the request's latency) of each waterfall bar, with its class. */
async function bars(): Promise<[string, string, string][]> {
  const measured = await page.locator('.waterfall-bar').evaluateAll((elements) =>
    elements.map((element) => {
      const style = (element as unknown as { style: { marginLeft: string; width: string } }).style;
      return [element.className, style.marginLeft, style.width];
    }),
  );
  return measured.map(([name, left, width]) => [
    name ?? '',
    Number.parseFloat(left ?? '').toFixed(2),
    Number.parseFloat(width ?? '').toFixed(2),
  ]);
}

/** The bars the page should draw: attempts one after another on an axis as long as the longer of the request and their sum. */
function expectedBars(detail: Detail): [string, string, string][] {
  const total = Math.max(
    detail.latency_ms,
    detail.attempts_detail.reduce((sum, attempt) => sum + attempt.latency_ms, 0),
    1,
  );
  let offset = 0;
  return detail.attempts_detail.map((attempt) => {
    const start = offset;
    offset += attempt.latency_ms;
    const ok = attempt.status !== null && attempt.status < 400;
    return [
      `waterfall-bar ${ok ? 'bar-ok' : 'bar-failed'}`,
      ((start / total) * 100).toFixed(2),
      Math.max(1, (attempt.latency_ms / total) * 100).toFixed(2),
    ];
  });
}

/** The body panel's text once opened. */
async function body(title: string): Promise<string> {
  const panel = page.locator('details').filter({ has: page.getByText(title, { exact: true }) });
  await panel.getByText(title, { exact: true }).click();
  return (await panel.locator('pre').textContent()) ?? '';
}

async function openDetail(id: string): Promise<void> {
  await table().locator(`a[href$="/${id}"]`).click();
  await page.getByRole('heading', { name: `Request ${id}` }).waitFor();
}

const stat = (label: string) => page.locator('.stats > *').filter({ hasText: label });

describe.skipIf(!BROWSER_AVAILABLE)('Requests page on the real request log', () => {
  it('lists the log newest first and pages through it with the cursor', async () => {
    expect(log.map((row) => row.id).slice(-4)).toEqual([ids.failed, ids.fellBack, ids.streamed, ids.plain]);
    await signIn(MASTER_KEY);
    await expectRows(log.slice(0, 50).map((row) => row.id));
    expect(sent.at(-1)).toBe('/admin/requests?limit=50');
    expect(await cellsOf(log[0]?.id ?? '')).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      '200',
      'mock-bulk',
      'primary',
      teamB.id,
      expect.stringMatching(/^\d+(\.\d\d)? ms$/),
      '100 / 50',
      '$0.0025',
      '1',
    ]);
    expect(await page.getByRole('button', { name: 'Newest' }).count()).toBe(0);

    // Older: the page after the API's cursor, which holds team A's oldest two requests.
    const first = await gateway.admin<{ next_cursor: string | null }>('GET', '/admin/requests?limit=50');
    expect(first.body.next_cursor).toEqual(expect.any(String));
    await page.getByRole('button', { name: 'Older' }).click();
    await expectRows(log.slice(50).map((row) => row.id));
    expect(sent.at(-1)).toBe(
      `/admin/requests?${new URLSearchParams({ limit: '50', cursor: first.body.next_cursor ?? '' })}`,
    );
    expect(log.slice(50).map((row) => row.id)).toEqual([ids.streamed, ids.plain]);
    expect(await page.getByRole('button', { name: 'Older' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Newest' }).click();
    await expectRows(log.slice(0, 50).map((row) => row.id));
  }, 60_000);

  it('filters by status, error type, model, backend, key, minimum latency and date', async () => {
    await signIn(MASTER_KEY);
    await expectRows(log.slice(0, 50).map((row) => row.id));

    await filters().getByLabel('Status').selectOption('5xx');
    await filters().getByLabel('Error type').fill('provider_error');
    await apply('?status=5xx&error_type=provider_error&limit=50');
    await expectRows([ids.failed]);
    expect(await cellsOf(ids.failed)).toEqual([
      expect.any(String),
      '500 all_providers_failed',
      'mock-broken',
      'fallback',
      teamA.id,
      expect.stringMatching(/ ms$/),
      '– / –',
      '–',
      '2',
    ]);

    await clearFilters();
    await filters().getByLabel('Backend').fill('fallback');
    await apply('?backend=fallback&limit=50');
    await expectRows([ids.failed, ids.fellBack]);

    await clearFilters();
    await filters().getByLabel('Key id').fill(teamA.id);
    await apply(`?key_id=${teamA.id}&limit=50`);
    await expectRows([ids.failed, ids.fellBack, ids.streamed, ids.plain]);

    await filters().getByLabel('Model').fill('mock-1');
    await apply(`?model=mock-1&key_id=${teamA.id}&limit=50`);
    await expectRows([ids.streamed, ids.plain]);
    // The address carries the applied filters: a reload (or a shared link) shows the same requests.
    expect(new URL(page.url()).search).toBe(`?model=mock-1&key_id=${teamA.id}`);
    await page.reload();
    await expect(filters().getByLabel('Model').inputValue()).resolves.toBe('mock-1');
    await expect(filters().getByLabel('Key id').inputValue()).resolves.toBe(teamA.id);
    await expect
      .poll(() => sent.at(-1), { timeout: 15_000 })
      .toBe(`/admin/requests?model=mock-1&key_id=${teamA.id}&limit=50`);
    await expectRows([ids.streamed, ids.plain]);

    // Minimum latency: exactly the rows the log recorded as at least that slow, the fallen-back one among them.
    await clearFilters();
    await filters().getByLabel('Min latency (ms)').fill(String(MIN_LATENCY_MS));
    await apply(`?min_latency_ms=${MIN_LATENCY_MS}&limit=50`);
    const slow = idsWhere((row) => row.latency_ms >= MIN_LATENCY_MS);
    expect(slow).toContain(ids.fellBack);
    expect(slow.length).toBeLessThan(log.length);
    await expectRows(slow);
    await screenshot(page, 'requests-filtered');

    // Since tomorrow (UTC): nothing yet.
    await clearFilters();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await filters().getByLabel('Since').fill(tomorrow);
    await apply(`?from=${tomorrow}&limit=50`);
    await expectRows([]);
    await page.getByText('No requests match.').waitFor();
  }, 60_000);

  it('shows the attempt waterfall, usage, cost and bodies of a request that fell back', async () => {
    const detail = await detailOf(ids.fellBack);
    const [failedAttempt, servedAttempt] = detail.attempts_detail;
    expect(detail.attempts_detail).toEqual([
      {
        backend: 'primary',
        model: 'mock-flaky',
        status: 503,
        latency_ms: expect.any(Number),
        error_code: 'service_unavailable',
        error_message: 'openai-compatible error (503): primary is overloaded',
      },
      {
        backend: 'fallback',
        model: 'mock-flaky',
        status: 200,
        latency_ms: expect.any(Number),
        error_code: null,
        error_message: null,
      },
    ]);
    // Each attempt lasted at least as long as the upstream made it wait.
    expect(failedAttempt?.latency_ms).toBeGreaterThanOrEqual(PRIMARY_DELAY_MS - 5);
    expect(servedAttempt?.latency_ms).toBeGreaterThanOrEqual(FALLBACK_DELAY_MS - 5);

    await signIn(MASTER_KEY);
    await filters().getByLabel('Model').fill('mock-flaky');
    await apply('?model=mock-flaky&limit=50');
    await expectRows([ids.fellBack]);
    expect(await cellsOf(ids.fellBack)).toEqual([
      expect.any(String),
      '200',
      'mock-flaky',
      'fallback',
      teamA.id,
      formatMs(detail.latency_ms),
      '120 / 40',
      '$0.0024',
      '2',
    ]);
    await openDetail(ids.fellBack);

    const attempts = page.getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await expect
      .poll(() => attempts.allTextContents())
      .toEqual([
        `1. primary mock-flaky503 · ${formatMs(failedAttempt?.latency_ms ?? null)} · service_unavailableopenai-compatible error (503): primary is overloaded`,
        `2. fallback mock-flaky200 · ${formatMs(servedAttempt?.latency_ms ?? null)}`,
      ]);
    // The bars sit one after the other on a shared time axis: the second starts where the first ended.
    const drawn = await bars();
    expect(drawn).toEqual(expectedBars(detail));
    expect(drawn[1]?.[1]).toBe(drawn[0]?.[2]);
    expect(await stat('Status').textContent()).toBe('Status200');
    expect(await stat('Latency').textContent()).toBe(`Latency${formatMs(detail.latency_ms)}`);
    expect(await stat('Cost').textContent()).toBe('Cost$0.0024');
    expect(await stat('Tokens in / out').textContent()).toBe('Tokens in / out120 / 40');
    expect(await page.getByText('/v1/chat/completions · openai-chat').textContent()).toMatch(
      new RegExp(` · /v1/chat/completions · openai-chat · model mock-flaky · backend fallback · key ${teamA.id}$`),
    );
    expect(await body('Usage')).toBe(
      JSON.stringify(
        { input_tokens: 120, output_tokens: 40, cached_tokens: null, reasoning_tokens: null, estimated: false },
        null,
        2,
      ),
    );
    expect(await body('Request body')).toBe(
      JSON.stringify({ model: 'mock-flaky', messages: [{ role: 'user', content: 'ping' }] }, null, 2),
    );
    expect(await body('Response body')).toBe(
      JSON.stringify(
        {
          id: 'chatcmpl-mock',
          object: 'chat.completion',
          created: 1_700_000_000,
          model: 'mock-flaky',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
        },
        null,
        2,
      ),
    );
    await screenshot(page, 'request-detail-fallback');
  }, 60_000);

  it('shows a request every backend failed, and a streamed one with its first-chunk time', async () => {
    const failed = await detailOf(ids.failed);
    await signIn(MASTER_KEY);
    await expectRows(log.slice(0, 50).map((row) => row.id));
    await openDetail(ids.failed);
    await expect
      .poll(() => page.getByRole('list', { name: 'Attempts' }).getByRole('listitem').allTextContents())
      .toEqual(
        failed.attempts_detail.map(
          (attempt, index) =>
            `${index + 1}. ${attempt.backend} mock-broken500 · ${formatMs(attempt.latency_ms)} · upstream_erroropenai-compatible error (500): ${attempt.backend} fell over`,
        ),
      );
    expect(failed.attempts_detail.map((attempt) => attempt.backend)).toEqual(['primary', 'fallback']);
    expect(await bars()).toEqual(expectedBars(failed));
    expect(await stat('Status').textContent()).toBe('Status500provider_error');
    expect(await stat('Cost').textContent()).toBe('Cost–');
    expect(JSON.parse(await body('Response body'))).toEqual({
      error: {
        message:
          'All 2 models failed: primary/mock-broken: openai-compatible error (500): primary fell over; fallback/mock-broken: openai-compatible error (500): fallback fell over',
        type: 'api_error',
        code: 'all_providers_failed',
        param: null,
        request_id: ids.failed,
      },
    });

    const streamed = await detailOf(ids.streamed);
    expect(streamed.stream).toBe(true);
    expect(streamed.ttfc_ms).toEqual(expect.any(Number));
    await page.getByRole('link', { name: '← All requests' }).click();
    await page.getByRole('button', { name: 'Older' }).click();
    await expectRows([ids.streamed, ids.plain]);
    await openDetail(ids.streamed);
    await page.getByRole('list', { name: 'Attempts' }).getByText('primary').waitFor();
    expect(await stat('Latency').textContent()).toBe(
      `Latency${formatMs(streamed.latency_ms)}first chunk ${formatMs(streamed.ttfc_ms)}`,
    );
    expect(await page.getByText('/v1/chat/completions · openai-chat').textContent()).toContain(
      ' · model mock-1 · backend primary · streamed · key ',
    );
    expect(await body('Request body')).toBe(
      JSON.stringify(
        {
          model: 'mock-1',
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'stream' }],
        },
        null,
        2,
      ),
    );
    // A stream's body is its server-sent events as sent, not JSON.
    const events = await body('Response body');
    expect(events.startsWith('data: {"id":"chatcmpl-mock","object":"chat.completion.chunk"')).toBe(true);
    expect(events.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(events.split('\n\n').filter((event) => event.includes('"content":'))).toHaveLength(3);
  }, 60_000);

  it('shows a virtual key its own requests only', async () => {
    await signIn(teamA.key);
    await expectRows([ids.failed, ids.fellBack, ids.streamed, ids.plain]);
    expect(sent.at(-1)).toBe('/v1/requests?limit=50');
    expect(await filters().getByLabel('Key id').count()).toBe(0);
    await openDetail(ids.plain);
    await page.getByRole('list', { name: 'Attempts' }).getByText('primary').waitFor();
    expect(sent.at(-1)).toBe(`/v1/requests/${ids.plain}`);
    // Another key's request, asked for by id, is not found.
    const other = log[0]?.id ?? '';
    await page.goto(`${gateway.url}/ui/requests/${other}`);
    await page.getByRole('alert').getByText(`No logged request ${other}`).waitFor();
  }, 60_000);
});

/** The page's duration format (web/src/format.ts). */
function formatMs(value: number | null): string {
  if (value === null) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
}

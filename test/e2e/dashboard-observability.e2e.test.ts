/**
 * The dashboard's observability and MCP pages in Chromium against the real gateway (SQLite billing, metrics,
 * the request log) with MCP on and the npm reference server-everything over stdio: the Overview's gateway
 * overhead read from the real `/metrics`, its charts drawn from the real request log, and the MCP page listing
 * the server, checking its health, listing its tools and running one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { everythingStdio } from '../mcp/mcp-test-servers.js';
import { answerWith, type BillingGateway, MASTER_KEY, PRICES_YAML, startBillingGateway } from './billing-harness.js';
import { BROWSER_AVAILABLE, buildDashboard, launchBrowser, screenshot } from './dashboard-browser.js';

let upstream: MockUpstream;
let gateway: BillingGateway;
let browser: BrowserContext;
let page: Page;

const everything = everythingStdio();

beforeAll(async () => {
  const uiDirectory = await buildDashboard();
  upstream = await startMockUpstream();
  const answer = answerWith();
  upstream.handle(async (request, response) => {
    if ((request.body as { model?: string } | undefined)?.model === 'mock-broken') {
      sendJson(response, 500, { error: { message: 'the model fell over', type: 'server_error' } });
      return;
    }
    await answer(request, response);
  });
  const dir = mkdtempSync(join(tmpdir(), 'lg-dashboard-observe-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    [
      'defaultBackend: local',
      'backends:',
      '  - name: local',
      '    type: openai-compatible',
      `    config: { endpoint: "${upstream.url}/v1", apiKey: "sk-upstream" }`,
      PRICES_YAML,
      'mcp:',
      '  enabled: true',
      '  servers:',
      `    - { name: everything, command: ${JSON.stringify(everything.command)}, args: ${JSON.stringify(everything.args)} }`,
    ].join('\n'),
  );
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false', HEALTH_CHECK_INTERVAL: '0', MAX_RETRIES: '0' },
    configFile,
    server: { uiDirectory },
    observe: true,
  });
  // Three answered calls and one the upstream fails: the charts and the overhead histogram have data.
  const client = gateway.client(MASTER_KEY);
  for (let index = 0; index < 3; index++)
    await client.chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
  await client.chat.completions
    .create({ model: 'mock-broken', messages: [{ role: 'user', content: 'hi' }] })
    .catch(() => undefined);
  await gateway.requestLogRows((rows) => rows.length >= 4);
  await waitForMcp();
  browser = await launchBrowser();
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await upstream?.close();
});

async function master<T>(path: string): Promise<T> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (response.headers.get('content-type') ?? '').includes('json')
    ? ((await response.json()) as T)
    : ((await response.text()) as T);
}

async function waitForMcp(): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const body = await master<{ servers: { health: { healthy: boolean } }[] }>('/v1/mcp/servers');
    if (body.servers.length > 0 && body.servers.every((server) => server.health.healthy)) return;
    if (Date.now() > deadline) throw new Error(`MCP servers never became healthy: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function signIn(): Promise<void> {
  await page.goto(`${gateway.url}/ui/`);
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(MASTER_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * p50 and p99 of `llamagate_gateway_overhead_seconds` in ms — the upper bound of the first bucket holding that
 * share of the observations, summed over routes — read here independently of the dashboard's own parser.
 */
function overheadQuantiles(metrics: string): { p50: number; p99: number } {
  const cumulative = new Map<number, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('llamagate_gateway_overhead_seconds_bucket{')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1] ?? '';
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    cumulative.set(bound, (cumulative.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const sorted = [...cumulative].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) throw new Error('no gateway overhead observed in /metrics');
  const at = (q: number) => (sorted.find(([, count]) => count >= q * total)?.[0] ?? Number.NaN) * 1000;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The Overview's stat cards show milliseconds with two decimals below 10 ms. */
function shownMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`;
}

describe.skipIf(!BROWSER_AVAILABLE)('dashboard observability and MCP pages in Chromium', () => {
  it('shows the gateway overhead from the real /metrics on the Overview', async () => {
    const metrics = await master<string>('/metrics');
    const { p50, p99 } = overheadQuantiles(metrics);
    await signIn();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const card = page.locator('.stat', { hasText: 'Gateway overhead p50 / p99' });
    await expect(card.locator('.stat-value').textContent()).resolves.toBe(`≤ ${shownMs(p50)} / ≤ ${shownMs(p99)}`);
    await expect(card.locator('.stat-hint').textContent()).resolves.toBe('since the gateway started, from /metrics');
  });

  it('draws the Overview charts from the request log: every request, its error, tokens and spend', async () => {
    await signIn();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    /** Each chart's accessible table: one row per time bucket, one column per series. */
    const rows = async (title: string): Promise<string[][]> => {
      const table = page.getByRole('table', { name: title, exact: true });
      await table.waitFor({ state: 'attached' });
      return table
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').trim())));
    };
    const nonEmpty = (table: string[][]) =>
      table.filter((row) => row.slice(1).some((cell) => cell !== '0' && cell !== '–'));
    // All four calls fall in the current hour's bucket of the 24-hour range.
    const requests = await rows('Requests');
    expect(requests.length).toBeGreaterThanOrEqual(24);
    expect(nonEmpty(requests).map((row) => row.slice(1))).toEqual([['4']]);
    expect(nonEmpty(await rows('Error rate (%)')).map((row) => row.slice(1))).toEqual([['25']]);
    // 3 answered calls × (100 in, 50 out); 3 × $0.0025.
    expect(nonEmpty(await rows('Tokens')).map((row) => row.slice(1))).toEqual([['300', '150']]);
    expect(nonEmpty(await rows('Spend (USD)')).map((row) => row.slice(1))).toEqual([['0.0075']]);
    const [latencyRow] = nonEmpty(await rows('Latency (ms)'));
    expect(
      latencyRow
        ?.slice(1)
        .map(Number)
        .every((value) => value > 0),
    ).toBe(true);
    // Chart.js drew each of them on its canvas (not a blank one).
    for (const title of ['Requests', 'Error rate (%)', 'Latency (ms)', 'Tokens', 'Spend (USD)']) {
      // A string: the test program has no DOM types; this runs in the page.
      const painted = await page.evaluate(`(() => {
        const canvas = document.querySelector('canvas[data-chart=${JSON.stringify(title)}]');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) count++;
        return count;
      })()`);
      expect([title, Number(painted) > 100]).toEqual([title, true]);
    }
    await screenshot(page, 'overview-with-data');
  });

  it('shows MCP servers, checks health, lists the tools and runs one from the page', async () => {
    const listed = await master<{ servers: { name: string; tools: number }[] }>('/v1/mcp/servers');
    const tools = await master<{ tools: { name: string }[] }>('/v1/mcp/servers/everything/tools');
    await signIn();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'MCP', exact: true }).click();
    const row = page.getByRole('region', { name: 'MCP servers' }).getByRole('row', { name: /everything/ });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['everything', 'stdio', 'connected', String(listed.servers[0]?.tools)]);
    expect(listed.servers[0]?.tools).toBe(tools.tools.length);

    await row.getByRole('button', { name: 'Check health' }).click();
    await row.getByText(/^connected, ping \d+ ms$/).waitFor();

    await row.getByRole('button', { name: 'Tools' }).click();
    await page.getByRole('heading', { name: 'Tools of everything' }).waitFor();
    const shown = await page.locator('.tool-list li strong').allTextContents();
    expect(shown).toEqual(tools.tools.map((tool) => tool.name));
    const runner = page.getByRole('form', { name: 'Run a tool' });
    await runner.getByLabel('Tool').selectOption('echo');
    await runner.getByLabel('Arguments (JSON)').fill('{"message": "hello from the dashboard"}');
    await runner.getByRole('button', { name: 'Run tool' }).click();
    const result = JSON.parse((await page.getByTestId('tool-result').textContent()) ?? '{}') as Record<string, unknown>;
    expect(result).toMatchObject({
      server: 'everything',
      tool: 'echo',
      is_error: false,
      text: 'Echo: hello from the dashboard',
    });
    await screenshot(page, 'mcp-enabled');

    // Bad arguments are reported on the page, not sent.
    await runner.getByLabel('Arguments (JSON)').fill('{not json');
    await runner.getByRole('button', { name: 'Run tool' }).click();
    await page.getByText(/Arguments are not valid JSON/).waitFor();
  }, 60_000);
});

/**
 * The admin dashboard in a real browser (Debian's Chromium through playwright-core) against the real gateway
 * (SQLite billing, a master key) in front of an Ollama mock: the operator's and a customer's journeys, end to end.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type BillingGateway, MASTER_KEY, startBillingGateway } from './billing-harness.js';
import {
  BROWSER_AVAILABLE,
  buildDashboard,
  horizontalOverflow,
  launchBrowser,
  OLLAMA_WORDS,
  ollamaMock,
  screenshot,
  unlabelledControls,
} from './dashboard-browser.js';

let ollama: MockUpstream;
let gateway: BillingGateway;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  const uiDirectory = await buildDashboard();
  ollama = await startMockUpstream(ollamaMock(120));
  const dir = mkdtempSync(join(tmpdir(), 'lg-dashboard-'));
  const configFile = join(dir, 'llamagate.yaml');
  // $10 / $30 per 1M tokens: the mock's 100 prompt + 50 output tokens cost $0.0025.
  writeFileSync(configFile, 'prices:\n  "llama3.2": { input: "10.00", output: "30.00" }\n');
  gateway = await startBillingGateway({
    env: { OLLAMA_HOST: ollama.url, LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false', HEALTH_CHECK_INTERVAL: '0' },
    configFile,
    server: { uiDirectory },
    observe: true,
  });
  browser = await launchBrowser();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await ollama?.close();
});

async function signIn(key: string): Promise<void> {
  await page.goto(`${gateway.url}/ui/`);
  // Each scenario starts signed out, whatever the one before left in this tab.
  await page.evaluate('sessionStorage.clear()');
  await page.reload();
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
}

function nav(name: string) {
  return page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true });
}

describe.skipIf(!BROWSER_AVAILABLE)('admin dashboard in Chromium', () => {
  it('runs the business: keys, credits, a customer’s streamed chat, its usage and cost, revocation', async () => {
    // The master key sees the whole gateway.
    await signIn(MASTER_KEY);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe('Master key');
    expect(page.url()).not.toContain(MASTER_KEY);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await screenshot(page, 'overview-empty');

    // Create a key: the secret is shown once, with a working copy button.
    await nav('Keys').click();
    await page.getByRole('button', { name: 'New key' }).click();
    const form = page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('team-a');
    await form.getByLabel('Owner').fill('alice@example.com');
    await form.getByLabel('Starting credits (USD)').fill('5');
    await form.getByLabel(/Allowed MCP tools/).fill('fs.read_*, search.*');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key-secret').textContent()) ?? '';
    expect(secret).toMatch(/^sk-lg-[A-Za-z0-9_-]{20,}$/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByText('Copied to the clipboard').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await screenshot(page, 'keys-created');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('link', { name: 'team-a' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole('link', { name: 'team-a' }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Search filters the list.
    await page.getByLabel('Search keys').fill('nobody-has-this-name');
    await page.getByText('No keys.').waitFor();
    await page.getByLabel('Search keys').fill('alice');
    await page.getByRole('link', { name: 'team-a' }).click();

    // Add credits with a reason: the balance and the ledger follow.
    await page.getByRole('heading', { name: /team-a/ }).waitFor();
    const credits = page.getByRole('form', { name: 'Credits' });
    await credits.getByLabel('Amount (USD)').fill('2.50');
    await credits.getByLabel('Reason').fill('invoice 42');
    await credits.getByRole('button', { name: 'Add credits' }).click();
    await page.getByText('Balance is now $7.50').waitFor();
    await page.getByRole('cell', { name: 'invoice 42' }).waitFor();
    const keyPath = new URL(page.url()).pathname;
    const keyId = decodeURIComponent(keyPath.split('/').at(-1) ?? '');
    expect(keyId).not.toBe('');
    await screenshot(page, 'key-detail');

    // The MCP tools set at creation are the key's, shown in its settings; emptying the field lifts the limit.
    const mcpToolsOf = async () => {
      const answer = await fetch(`${gateway.url}/admin/keys/${encodeURIComponent(keyId)}`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      return ((await answer.json()) as { mcp_tools: string[] | null }).mcp_tools;
    };
    await expect(mcpToolsOf()).resolves.toEqual(['fs.read_*', 'search.*']);
    const settings = page.getByRole('form', { name: 'Settings' });
    await expect(settings.getByLabel(/Allowed MCP tools/).inputValue()).resolves.toBe('fs.read_*, search.*');
    await settings.getByLabel(/Allowed MCP tools/).fill('');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();
    await expect(mcpToolsOf()).resolves.toBeNull();

    // The customer signs in with that key: it sees no keys, not even through the API.
    await signOut();
    await signIn(secret);
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toBe(`Virtual key ${keyId}`);
    await expect(nav('Keys').count()).resolves.toBe(0);
    await page.goto(`${gateway.url}/ui/keys`);
    await page.getByText('This page needs the master key').waitFor();
    const listed = await page.evaluate(async (key) => {
      const answer = await fetch('/admin/keys', { headers: { authorization: `Bearer ${key}` } });
      return { status: answer.status, body: await answer.text() };
    }, secret);
    expect(listed.status).toBe(401);
    expect(listed.body).not.toContain('team-a');
    await screenshot(page, 'virtual-key-overview');

    // A streamed playground message through the gateway to the Ollama mock.
    await nav('Playground').click();
    await page.getByLabel('Model').fill('llama3.2');
    await page.getByLabel('System prompt').fill('Be brief.');
    await page.getByLabel('Message', { exact: true }).fill('Say hello');
    // Every text the reply shows on its way, recorded in the page as the DOM changes.
    await page.evaluate(`window.replyTexts = [];
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="streaming-reply"]')?.textContent;
        if (text && window.replyTexts.at(-1) !== text) window.replyTexts.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });`);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('list', { name: 'Conversation' }).getByText(OLLAMA_WORDS.join('')).waitFor();
    // The reply grew chunk by chunk (the mock sends a word every 120 ms) rather than arriving whole.
    const texts = (await page.evaluate('window.replyTexts')) as string[];
    // Two partial texts at least (a loaded machine may merge some chunks on the way).
    expect(texts.filter((text) => text !== OLLAMA_WORDS.join('')).length, JSON.stringify(texts)).toBeGreaterThanOrEqual(
      2,
    );
    expect(
      texts.every((text) => OLLAMA_WORDS.join('').startsWith(text)),
      JSON.stringify(texts),
    ).toBe(true);
    const headers = page.getByRole('region', { name: 'Response headers' });
    await expect(headers.getByRole('row', { name: /x-llamagate-backend/ }).textContent()).resolves.toContain('ollama');
    await expect(headers.getByRole('row', { name: /x-llamagate-cost-reserved/ }).count()).resolves.toBe(1);
    await expect(headers.getByRole('row', { name: /x-llamagate-attempts/ }).textContent()).resolves.toContain('1');
    await headers.getByText('100 prompt + 50 completion tokens').waitFor();
    await screenshot(page, 'playground');
    const chat = ollama.requests.find((request) => request.path === '/api/chat');
    expect(chat?.body).toMatchObject({
      model: 'llama3.2',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });

    // Its usage and cost, as the customer sees them.
    await gateway.flush();
    await nav('Usage').click();
    const usageRow = page.getByRole('region', { name: 'Usage' }).getByRole('row', { name: /llama3\.2/ });
    await usageRow.waitFor();
    expect(await usageRow.textContent()).toContain('$0.0025');
    await screenshot(page, 'usage-virtual-key');

    // The request in the request log, with its attempt waterfall.
    await gateway.requestLogRows((rows) => rows.length >= 1);
    await nav('Requests').click();
    await page.getByRole('region', { name: 'Requests' }).getByRole('link').first().click();
    await page.getByRole('list', { name: 'Attempts' }).getByText('ollama').waitFor();
    await page.getByText('$0.0025').first().waitFor();

    // The operator sees the key's spend in Usage, then revokes the key.
    await signOut();
    await signIn(MASTER_KEY);
    await nav('Usage').click();
    const byKey = page.getByRole('region', { name: 'Usage' }).getByRole('row', { name: new RegExp(keyId) });
    await byKey.waitFor();
    expect(await byKey.textContent()).toContain('$0.0025');
    await screenshot(page, 'usage');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('llamagate-usage-by-key.csv');
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv).toBe(
      `key_name,key_id,requests,prompt_tokens,completion_tokens,cached_tokens,errors,cost\r\nteam-a,${keyId},1,100,50,0,0,0.0025`,
    );
    await nav('Requests').click();
    await page
      .getByRole('region', { name: 'Requests' })
      .getByRole('row', { name: /llama3\.2/ })
      .first()
      .waitFor();
    await screenshot(page, 'requests');
    await page.getByRole('region', { name: 'Requests' }).getByRole('link').first().click();
    await page.getByRole('list', { name: 'Attempts' }).getByText('ollama').waitFor();
    await screenshot(page, 'request-detail');

    await page.goto(`${gateway.url}${keyPath}`);
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.getByText('Key revoked').waitFor();

    // A request with the revoked key is refused: signing in, and calling a model.
    await signOut();
    await page.getByLabel('API key').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = await page.getByRole('alert').textContent();
    expect(refusal).toMatch(/^401: .*revoked/i);
    const chatAnswer = await page.evaluate(async (key) => {
      const answer = await fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      });
      return answer.status;
    }, secret);
    expect(chatAnswer).toBe(401);
  }, 120_000);

  it('rotates a key: the new secret is shown once and the old one stops working', async () => {
    const created = await gateway.createKey({ name: 'rotating', credits: 1 });
    await signIn(MASTER_KEY);
    await page.goto(`${gateway.url}/ui/keys/${encodeURIComponent(created.id)}`);
    await page.getByRole('button', { name: 'Rotate key' }).click();
    const rotated = (await page.getByTestId('new-key-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^sk-lg-/);
    expect(rotated).not.toBe(created.key);
    const credits = (key: string) =>
      fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } }).then(
        (answer) => answer.status,
      );
    await expect.poll(() => credits(created.key)).toBe(401);
    expect(await credits(rotated)).toBe(200);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(rotated);
    await signOut();
  }, 60_000);

  it('shows backends, reloads the configuration, and says plainly when MCP is off', async () => {
    await signIn(MASTER_KEY);
    await nav('Backends').click();
    const row = page.getByRole('region', { name: 'Backends' }).getByRole('row', { name: /ollama/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('healthy');
    await page.getByRole('button', { name: 'Reload configuration' }).click();
    await page.getByText('Configuration reloaded from').waitFor();
    await screenshot(page, 'backends');

    await nav('MCP').click();
    const mcp = await fetch(`${gateway.url}/v1/mcp/servers`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    if (mcp.status === 404) await page.getByText('MCP is not enabled on this gateway.').waitFor();
    else await page.getByRole('region', { name: 'MCP servers' }).waitFor();
    await screenshot(page, 'mcp');
    await signOut();
  }, 60_000);

  it('labels every form control and works from the keyboard', async () => {
    await page.goto(`${gateway.url}/ui/`);
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    await page.getByLabel('API key').waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    // Sign in with the keyboard only: Tab to the key, type it, Enter.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('api-key');
    await page.keyboard.type(MASTER_KEY);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    for (const route of ['', 'keys', 'usage', 'requests', 'backends', 'mcp', 'playground']) {
      await page.goto(`${gateway.url}/ui/${route}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      if (route === 'keys') await page.getByRole('button', { name: 'New key' }).click();
      expect(await unlabelledControls(page), route).toEqual([]);
    }

    // The create-key form from the keyboard: type a name, Enter submits.
    await page.goto(`${gateway.url}/ui/keys`);
    await page.getByRole('button', { name: 'New key' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('form', { name: 'Create a key' }).getByLabel('Name').focus();
    await page.keyboard.type('keyboard-key');
    await page.keyboard.press('Enter');
    await page.getByTestId('new-key-secret').waitFor();
    await page.getByRole('button', { name: 'Copy key' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('I have stored it');
    await signOut();
  }, 60_000);

  it('fits a laptop and a phone without sideways scrolling', async () => {
    await signIn(MASTER_KEY);
    for (const [device, size] of [
      ['laptop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(size);
      for (const route of ['', 'keys', 'usage', 'requests', 'backends', 'mcp', 'playground']) {
        await page.goto(`${gateway.url}/ui/${route}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.waitForLoadState('networkidle');
        expect(await horizontalOverflow(page), `${device} ${route || 'overview'}`).toBeLessThanOrEqual(0);
        if (device === 'phone' && ['', 'keys', 'playground'].includes(route)) {
          await screenshot(page, `phone-${route || 'overview'}`);
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${gateway.url}/ui/`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'overview');
    await signOut();
  }, 90_000);
});

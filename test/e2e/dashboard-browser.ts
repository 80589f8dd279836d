/**
 * Browser helpers for the dashboard suites: the dashboard built from the current sources into a temporary
 * directory, Debian's Chromium driven by playwright-core, and an Ollama mock that streams.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { sendJson, sendStream } from '../../src/test-support/mock-upstream.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Locally the suites skip without Chromium; under CI=true they run and fail with this message. */
export const BROWSER_AVAILABLE = existsSync(CHROMIUM) || process.env.CI === 'true';

/** Screenshots of each page, for people to look at (gitignored). */
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'dashboard');

export async function buildDashboard(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'lg-dashboard-build-'));
  await build({ configFile: 'web/vite.config.ts', logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export async function launchBrowser(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with apt-get install chromium (.ci/run does)`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'lg-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Form controls without an accessible name: a `<label>`, `aria-label` or `aria-labelledby`. */
export function unlabelledControls(page: Page): Promise<string[]> {
  // A string: the test program has no DOM types; this runs in the page.
  return page.evaluate(`[...document.querySelectorAll('input, select, textarea')]
    .filter((element) => element.type !== 'hidden')
    .filter((element) => (element.labels?.length ?? 0) === 0 && !element.getAttribute('aria-label') && !element.getAttribute('aria-labelledby'))
    .map((element) => element.outerHTML.slice(0, 120))`);
}

/** How far the page scrolls sideways (0 when nothing overflows the viewport). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

export const OLLAMA_WORDS = ['Hello', ' there,', ' friend', '!'];

/** Ollama's /api/chat (NDJSON stream or one JSON answer: 100 prompt + 50 output tokens), /api/tags, /api/version. */
export function ollamaMock(delayMs: number) {
  return async (request: { path: string; body: unknown }, response: ServerResponse) => {
    const body = (request.body ?? {}) as { model?: string; stream?: boolean };
    const model = body.model ?? 'llama3.2';
    const created_at = '2026-12-06T05:00:00Z';
    const final = {
      model,
      created_at,
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 100,
      eval_count: 50,
    };
    if (request.path === '/api/chat') {
      if (body.stream === false) {
        sendJson(response, 200, { ...final, message: { role: 'assistant', content: OLLAMA_WORDS.join('') } });
        return;
      }
      const lines = OLLAMA_WORDS.map((word) =>
        JSON.stringify({ model, created_at, message: { role: 'assistant', content: word }, done: false }),
      );
      await sendStream(response, [...lines, JSON.stringify(final)], { format: 'ndjson', delayMs });
      return;
    }
    if (request.path === '/api/tags') {
      sendJson(response, 200, { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest', size: 1 }] });
      return;
    }
    if (request.path === '/api/version') {
      sendJson(response, 200, { version: '0.6.0' });
      return;
    }
    sendJson(response, 404, { error: 'not found' });
  };
}

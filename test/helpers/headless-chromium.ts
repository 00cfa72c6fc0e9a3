/**
 * Debian's chromium, headless, driven by playwright-core: opens a report file as a person would and
 * lets the test look at what its charts drew. Null (with the reason) where chromium is missing, so
 * the test can skip visibly; scripts/ensure-chromium.sh installs it for `npm test`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export function chromiumPath(): string | null {
  for (const candidate of [process.env.KISYSTEM_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

export interface HeadlessBrowser {
  open(file: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'kisystem-chromium-'));
  // A fresh profile of its own (playwright passes it as --user-data-dir).
  const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  return {
    async open(file) {
      const page = await browser.newPage();
      // Offline: any request that leaves the file is refused (and counted by the caller through page.on('request')).
      await page.route(/^(?!file:)/, (route) => route.abort());
      await page.goto(`file://${file}`);
      return page;
    },
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

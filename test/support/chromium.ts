import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (CI installs the package); playwright-core drives it without downloading a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet on a machine with no network: no background or component-update traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's browser with \`apt-get install chromium\` (CI does)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** What a page did while it loaded: console errors, uncaught errors, and every request that was not the file. */
export interface PageVisit {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  otherRequests: string[];
}

/** Opens a local HTML file in a fresh context and records its errors and requests. */
export async function openFile(browser: Browser, file: string): Promise<PageVisit> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const visit: PageVisit = { page, consoleErrors: [], pageErrors: [], otherRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') visit.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => visit.pageErrors.push(error.message));
  page.on('request', (request) => {
    if (request.url() !== url) visit.otherRequests.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return visit;
}

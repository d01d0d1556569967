// Debian's chromium through playwright-core (no browser download): headless, a fresh profile,
// no background networking. Every JavaScript dialog (alert, confirm, prompt) is recorded and
// dismissed; the pages never open one, so a test fails when any shows up.
import fs from 'node:fs';
import path from 'node:path';

import {chromium} from 'playwright-core';

import {ARTIFACTS, tmpDir} from './devnet.js';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const DESKTOP = {width: 1280, height: 900};
export const PHONE = {width: 375, height: 812};

export class Browser {
  static async launch() {
    const b = new Browser();
    b.profile = tmpDir('chromium-profile');
    b.context = await chromium.launchPersistentContext(b.profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: DESKTOP,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    b.dialogs = [];
    b.errors = [];
    b.context.on('page', (p) => b.watch(p));
    for (const p of b.context.pages()) b.watch(p);
    return b;
  }

  watch(page) {
    page.on('dialog', async (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()} on ${page.url()}`);
      try { await d.dismiss(); } catch (e) { /* page gone */ }
    });
    page.on('pageerror', (e) => this.errors.push(`${page.url()}: ${e.message}`));
    // A Content-Security-Policy violation (an inline script or style the pages should not
    // have) is an error too.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) {
        this.errors.push(`${page.url()}: ${m.text()}`);
      }
    });
  }

  // A new tab (its own sessionStorage: no token kept) at `url`.
  async open(url, viewport = DESKTOP) {
    const page = await this.context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(url, {waitUntil: 'load'});
    return page;
  }

  async close() {
    if (this.context) await this.context.close().catch(() => {});
    this.context = null;
    if (this.profile) fs.rmSync(this.profile, {recursive: true, force: true});
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, {recursive: true});
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({path: file, fullPage: true});
  return file;
}

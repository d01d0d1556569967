// The BBS's mark of co-signed (open-profile authority) messages: a "co-signed" badge, the
// authority's name in place of a sender, and the short keys of its signers (full keys on
// hover). A real devnet daemon serves the page and its API; the API's message list is
// extended, on its way to the page, with a co-signed EMERGENCY in the form docs/api.md gives
// it (tests/integration/test_cosigned.cpp makes a real one travel between two daemons), and
// with one whose authority name is hostile HTML, which must show as text.
// Screenshots go to build/browser-artifacts/.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {after, before, describe, it} from 'node:test';

import {Browser, screenshot} from './lib/browser.js';
import {Daemon, stopAll} from './lib/devnet.js';

const XSS = '<img src=x onerror=alert(1)>';
const SIGNERS = [
  '02' + 'a1'.repeat(32),
  '03' + 'b2'.repeat(32),
  '02' + 'c3'.repeat(32),
];

function cosignedMessage(text, authority, ageSeconds) {
  const ts = Math.floor(Date.now() / 1000) - ageSeconds;
  return {
    msg_type: 16, type_name: 'EMERGENCY', flags: 0x0f, timestamp: ts, payload: text,
    signing_id: null, has_signature: true, verified: true, protocol_authority: true,
    sender_address: null, share_hash: 'ab'.repeat(32), age: ageSeconds,
    private: false, to: null,
    message_hash: crypto.createHash('sha256').update(text).digest('hex'),
    co_signed: true, authority, authority_key: 'd4'.repeat(32), signers: SIGNERS,
  };
}

describe('co-signed messages on the BBS', {timeout: 120000}, () => {
  const H = new Daemon('node-h');
  let browser;

  before(async () => {
    await H.start(['--mine', 'false', '--status-interval', '0', '--discover', 'false']);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopAll();
  });

  it('shows the badge, the authority and its signers', async () => {
    const real = cosignedMessage('EMERGENCY: stop mining release 9.9', 'ops', 30);
    const hostile = cosignedMessage('second alert', XSS, 60);
    const page = await browser.context.newPage();
    // The node's own answer, with the two messages added.
    await page.route(/\/msg\/(recent|alerts)\?/, async (route) => {
      const res = await route.fetch();
      const j = await res.json();
      const key = new URL(route.request().url()).pathname.endsWith('alerts') ? 'alerts' : 'messages';
      j[key] = [...(j[key] || []), real, hostile];
      await route.fulfill({response: res, json: j});
    });
    await page.goto(H.url + '/static/bbs.html', {waitUntil: 'load'});
    const item = page.locator(`#messages > li.msg[data-hash="${real.message_hash}"]`);
    await item.waitFor({state: 'visible', timeout: 20000});

    assert.equal(await item.getAttribute('data-cosigned'), 'true');
    assert.match(await item.getAttribute('class'), /\bcosigned\b/);
    const badge = item.locator('.badge.cosigned');
    assert.equal(await badge.textContent(), 'co-signed');
    assert.match(await badge.getAttribute('title'), /ops/);
    assert.equal(await item.locator('.sender').textContent(), '[ops]');
    const signers = item.locator('.msg-cosigners .signer');
    assert.equal(await signers.count(), 3);
    for (let i = 0; i < 3; ++i) {
      assert.equal(await signers.nth(i).getAttribute('title'), SIGNERS[i]);
      assert.equal(await signers.nth(i).textContent(), SIGNERS[i].slice(0, 8) + '…' + SIGNERS[i].slice(-4));
    }
    assert.equal(await item.locator('.msg-cosigners .authority-name').textContent(), 'ops');
    assert.equal(await item.locator('.msg-cosigners .authority-name').getAttribute('title'),
                 'authority key ' + real.authority_key);

    // The hostile name is text, never markup.
    const other = page.locator(`#messages > li.msg[data-hash="${hostile.message_hash}"]`);
    await other.waitFor({state: 'visible', timeout: 10000});
    assert.equal(await other.locator('.msg-cosigners .authority-name').textContent(), XSS);
    assert.equal(await other.locator('.msg-cosigners img').count(), 0);

    // Messages that are not co-signed carry no such mark.
    const plain = await page.$$eval('#messages > li.msg:not([data-cosigned])',
      (lis) => lis.map((li) => li.querySelector('.badge.cosigned, .msg-cosigners')));
    assert.ok(plain.every((x) => x === null));
    await screenshot(page, 'bbs-cosigned');
    assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
    await page.close();
  });
});

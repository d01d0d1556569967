// The network's name and the catch-up progress on both pages, and the BBS of a follower:
//   F  a follower on litecoin_testnet (--bootstrap false: it dials no one, so it stays at the
//      start of its catch-up): the header names the network and says "catching up"; the BBS
//      hides the send box, key rotation and the outbox, and says why in their place;
//   D  a devnet node mining every 0.5 s: the header says "sharemsg_devnet" and, once its chain
//      is verified, "following"; the BBS keeps its send box;
//   E  a devnet node that does not mine, alone until G (mining) dials it: its open pages go
//      from "catching up" to "following" without a reload.
// Screenshots go to build/browser-artifacts/.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {Browser, DESKTOP, PHONE, screenshot} from './lib/browser.js';
import {Daemon, deriveKey, http, stopAll, waitFor} from './lib/devnet.js';

const TOKEN_KEY = 'sharemsg.api_token';
const CATCHING_UP = /^catching up: (\d+)\/(\d+) shares known, (\d+)\/(\d+) verified, \d+\.\d shares\/s$/;
const FOLLOWING = /^following: (\d+)\/(\d+) shares verified$/;

describe('the network and its catch-up on the dashboard and the BBS', {timeout: 300000}, () => {
  const F = new Daemon('follower-f', {net: 'litecoin_testnet'});
  const D = new Daemon('devnet-d');
  const E = new Daemon('devnet-e');
  const G = new Daemon('devnet-g');
  let browser;

  function clean() {
    assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
  }

  // The header's network line once the page has read /health.
  async function networkLine(page) {
    await page.locator('#net-line').waitFor({state: 'visible', timeout: 10000});
    await page.waitForFunction(() => document.getElementById('sync-text').textContent !== '', null,
                               {timeout: 10000});
    return {
      name: await page.locator('#net-name').textContent(),
      role: await page.locator('#net-role').textContent(),
      sync: await page.locator('#sync-text').textContent(),
      state: await page.locator('#sync').getAttribute('data-state'),
      bar: await page.locator('#sync-bar').isVisible(),
    };
  }

  async function fitsPhone(page, what) {
    await page.setViewportSize(PHONE);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `${what} at ${PHONE.width} px scrolls sideways (${width} px)`);
  }

  before(async () => {
    await Promise.all([F.ports(), D.ports(), E.ports(), G.ports()]);
    await Promise.all([
      F.start(['--bootstrap', 'false']),
      D.start(['--share-period', '0.5', '--status-interval', '0', ...deriveKey(0).flags]),
      E.start(['--mine', 'false', '--status-interval', '0']),
    ]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopAll();
  });

  it('a follower\'s dashboard names its network and shows its catch-up from /health', async () => {
    const health = (await F.get('/health')).json;
    assert.equal(health.network, 'litecoin_testnet', JSON.stringify(health));
    assert.equal(health.mining, false, JSON.stringify(health));
    assert.equal(health.follower, true, JSON.stringify(health));
    assert.equal(health.sync.state, 'catching_up', JSON.stringify(health));

    const page = await browser.open(F.url + '/');
    const line = await networkLine(page);
    assert.equal(line.name, 'litecoin_testnet');
    assert.equal(line.role, '(follower, makes no shares)');
    assert.equal(line.state, 'catching_up');
    const m = line.sync.match(CATCHING_UP);
    assert.ok(m, 'sync line: ' + line.sync);
    // Nothing to download from: nothing known or verified, out of what /health says is needed.
    assert.deepEqual(m.slice(1).map(Number),
                     [0, health.sync.shares_needed, 0, health.sync.window], line.sync);
    assert.ok(line.bar, 'the progress bar shows while catching up');
    assert.equal(await page.locator('#sync-bar').evaluate((b) => b.value), 0);
    assert.equal(await page.locator('#h-status').textContent(), 'ok');
    // Its identity says why it cannot send, rather than asking for a signing key.
    await page.waitForFunction(() => document.getElementById('identity').textContent !== '', null,
                               {timeout: 10000});
    const identity = (await page.locator('#identity').textContent()).replace(/\s+/g, ' ');
    assert.match(identity, /follows the litecoin_testnet sharechain and makes no shares/, identity);
    await screenshot(page, 'follower-dashboard-desktop');
    await fitsPhone(page, 'the follower\'s dashboard');
    await screenshot(page, 'follower-dashboard-phone');
    await page.close();
    clean();
  });

  it('a follower\'s BBS hides the send box and the outbox and says why, with the token too', async () => {
    // What the page explains: the node refuses to send, and has no outbox.
    const token = F.cookie();
    const send = await http(F.webPort, 'POST', '/msg/send', {body: {text: 'hello', type: 'chat'}, token});
    assert.equal(send.status, 409, send.text);
    assert.equal(send.json.error, 'follower');

    const page = await browser.open(F.url + '/static/bbs.html');
    const line = await networkLine(page);
    assert.equal(line.name, 'litecoin_testnet');
    assert.match(line.sync, CATCHING_UP);

    const note = page.locator('#follower-note');
    await note.waitFor({state: 'visible', timeout: 10000});
    const text = (await note.textContent()).replace(/\s+/g, ' ');
    assert.match(text, /follows the litecoin_testnet sharechain and does not make shares/, text);
    assert.match(text, /sent by a pool node that embeds the sharemsg library/, text);
    for (const id of ['#send-form', '#private-form', '#send-text', '#rotate-open', '#rotate-form']) {
      assert.equal(await page.locator(id).isVisible(), false, id + ' shows on a follower');
    }
    assert.equal(await page.locator('#outbox-panel').isVisible(), false);
    // The messages, the keys and the token stay.
    assert.ok(await page.locator('#messages-panel').isVisible());
    assert.ok(await page.locator('#view-keys').isVisible());
    await screenshot(page, 'follower-bbs-desktop');

    // The token is checked against /msg/outbox, which a follower answers 409 once the token is
    // accepted: it is kept, with no error, and the outbox stays hidden.
    await page.click('#token-use');
    await page.locator('#token-form').waitFor({state: 'visible', timeout: 5000});
    await page.fill('#token-input', token);
    await page.click('#token-form button[type="submit"]');
    await waitFor(async () => (await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)) === token,
                  {timeout: 5000, what: 'the token kept'});
    const flash = page.locator('#flash');
    if (await flash.isVisible()) {
      assert.doesNotMatch(await flash.getAttribute('class'), /\berror\b/, await flash.textContent());
    }
    await page.reload();
    await note.waitFor({state: 'visible', timeout: 10000});
    // One outbox refresh after the reload: the panel stays hidden.
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('#outbox-panel').isVisible(), false, 'the outbox shows on a follower');
    assert.equal(await page.locator('#send-form').isVisible(), false);
    await fitsPhone(page, 'the follower\'s BBS');
    await screenshot(page, 'follower-bbs-phone');
    await page.close();
    clean();
  });

  it('a devnet node names "sharemsg_devnet", follows its verified chain, and keeps the send box', async () => {
    await waitFor(async () => (await D.get('/health')).json?.sync?.state === 'following',
                  {timeout: 30000, what: 'D\'s chain verified'});
    const health = (await D.get('/health')).json;
    assert.equal(health.network, 'sharemsg_devnet');
    assert.equal(health.mining, true);

    const dash = await browser.open(D.url + '/');
    const d = await networkLine(dash);
    assert.equal(d.name, 'sharemsg_devnet');
    assert.equal(d.role, '(mining)');
    assert.equal(d.state, 'following');
    const m = d.sync.match(FOLLOWING);
    assert.ok(m, 'sync line: ' + d.sync);
    assert.equal(Number(m[2]), health.sync.window);
    assert.equal(d.bar, false, 'no progress bar once following');
    await screenshot(dash, 'devnet-dashboard-network');
    await dash.close();

    const bbs = await browser.open(D.url + '/static/bbs.html');
    const b = await networkLine(bbs);
    assert.equal(b.name, 'sharemsg_devnet');
    assert.match(b.sync, FOLLOWING);
    await bbs.locator('#send-form').waitFor({state: 'visible', timeout: 5000});
    assert.ok(await bbs.locator('#send-text').isVisible());
    assert.ok(await bbs.locator('#private-form').isVisible());
    assert.ok(await bbs.locator('#rotate-open').isVisible());
    assert.equal(await bbs.locator('#follower-note').isVisible(), false);
    await screenshot(bbs, 'devnet-bbs-network');
    await bbs.setViewportSize(DESKTOP);
    await bbs.close();
    clean();
  });

  it('open pages go from "catching up" to "following" as the node catches up, without a reload', async () => {
    const health = (await E.get('/health')).json;
    assert.equal(health.sync.state, 'catching_up', JSON.stringify(health));
    const dash = await browser.open(E.url + '/');
    const bbs = await browser.open(E.url + '/static/bbs.html');
    for (const page of [dash, bbs]) {
      const line = await networkLine(page);
      assert.equal(line.name, 'sharemsg_devnet');
      assert.match(line.sync, CATCHING_UP);
      assert.ok(line.bar);
      // A devnet node that does not mine is no follower: it keeps its send box.
      assert.equal(line.role, '(not mining)');
    }
    assert.equal(health.follower, false, JSON.stringify(health));
    assert.ok(await bbs.locator('#send-form').isVisible());
    await screenshot(dash, 'devnet-dashboard-catching-up');

    // G mines and dials E: E downloads G's chain and follows it. Each page reads /health again
    // on its own (every 10 s).
    await G.start(['--share-period', '0.5', '--status-interval', '0', '--peer', `127.0.0.1:${E.p2pPort}`]);
    await waitFor(async () => (await E.get('/health')).json?.sync?.state === 'following',
                  {timeout: 60000, what: 'E following G\'s chain'});
    for (const page of [dash, bbs]) {
      await page.waitForFunction(() => document.getElementById('sync').getAttribute('data-state') === 'following',
                                 null, {timeout: 25000});
      assert.match(await page.locator('#sync-text').textContent(), FOLLOWING);
      assert.equal(await page.locator('#sync-bar').isVisible(), false);
    }
    await screenshot(dash, 'devnet-dashboard-following');
    await dash.close();
    await bbs.close();
    clean();
  });
});

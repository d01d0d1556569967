// The dashboard's Network panel (/net/peers):
//   R  a devnet node serving as a relay, mining every 0.5 s;
//   A, B  miners that know only R (--peer R, address discovery off) and use it as their relay
//      (--relay-url): each registers, finds the other through R, and dials it;
//   L  a node with no relay: its panel says so.
// A's panel lists R with its state and counters, and B's identity with its endpoint; the page
// is read again on its 10 s tick, and fits a phone. The panel's first line is what --stun found
// (/net/self): A names a STUN server that never answers, L names none. Screenshots go to build/browser-artifacts/.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import {after, before, describe, it} from 'node:test';

import {Browser, PHONE, screenshot} from './lib/browser.js';
import {Daemon, deriveKey, stopAll, waitFor} from './lib/devnet.js';

describe('the Network panel of the dashboard', {timeout: 300000}, () => {
  const R = new Daemon('relay-r');
  const A = new Daemon('miner-a');
  const B = new Daemon('miner-b');
  const L = new Daemon('lonely-l');
  const keyB = deriveKey(0);
  let browser;
  // A STUN server that receives and never answers.
  const silent = dgram.createSocket('udp4');

  function clean() {
    assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
  }

  before(async () => {
    await Promise.all([R.ports(), A.ports(), B.ports(), L.ports()]);
    await new Promise((resolve) => silent.bind(0, '127.0.0.1', resolve));
    // Everything is on 127.0.0.1: the relay's per-address limits are raised.
    await R.start(['--relay', '--share-period', '0.5', '--status-interval', '0', '--discover', 'false',
                   '--relay-rate-limit', '100000', '--max-peers-per-ip', '16']);
    const miner = ['--share-period', '1', '--status-interval', '0', '--discover', 'false',
                   '--peer', `127.0.0.1:${R.p2pPort}`, '--relay-url', R.url, '--relay-interval', '3',
                   '--relay-lookup-interval', '1'];
    await Promise.all([
      A.start([...miner, ...deriveKey(0).flags, '--stun', `127.0.0.1:${silent.address().port}`]),
      B.start([...miner, ...keyB.flags]),
      L.start(['--mine', 'false', '--status-interval', '0']),
    ]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopAll();
    silent.close();
  });

  it('lists the relay in use and the identities found through it', async () => {
    // What the page will show, from the API.
    await waitFor(async () => ((await A.get('/net/peers')).json.identities || [])
      .some((p) => p.signing_id === keyB.signingId), {timeout: 90000, what: 'A finds B through R'});

    // The STUN transaction ends unanswered after 5 s.
    await waitFor(async () => (await A.get('/net/self')).json.refreshes >= 1,
                  {timeout: 30000, what: "A's NAT discovery ends"});
    const page = await browser.open(A.url + '/');
    const self = page.locator('#self-line');
    await page.waitForFunction(() => /^NAT /.test(document.getElementById('self-line').textContent),
                               null, {timeout: 20000});
    assert.match(await self.textContent(), /^NAT unknown · public endpoint unknown · .*no STUN server answered/);
    assert.equal(await self.getAttribute('data-nat'), 'unknown');
    const relays = page.locator('#relays');
    await relays.waitFor({state: 'visible', timeout: 20000});
    assert.equal(await page.locator('#relays-empty').isVisible(), false);
    const row = relays.locator('tbody tr').first();
    assert.equal(await row.locator('td').first().textContent(), R.url);
    assert.equal(await row.getAttribute('data-state'), 'ok');
    assert.ok(Number(await row.locator('td').nth(2).textContent()) >= 1, 'registrations');

    const ids = page.locator('#identities');
    await ids.waitFor({state: 'visible', timeout: 20000});
    const b = ids.locator(`tbody tr td[title="${keyB.signingId}"]`);
    await b.waitFor({timeout: 20000});
    const cells = await b.locator('xpath=..').locator('td').allTextContents();
    assert.equal(cells[2], `127.0.0.1:${B.p2pPort}`);
    assert.equal(cells[3], 'unknown');
    assert.match(cells[4], /ago$|^just now$/);
    assert.equal(cells[5], R.url);
    assert.equal(cells[6], 'none', 'no direct link to B yet');
    assert.equal(await b.locator('xpath=..').getAttribute('data-path'), 'none');
    await screenshot(page, 'network-panel-desktop');
    await page.setViewportSize(PHONE);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the dashboard at ${PHONE.width} px scrolls sideways (${width} px)`);
    await screenshot(page, 'network-panel-phone');
    await page.close();
    clean();
  });

  it('says when a node uses no relay', async () => {
    const page = await browser.open(L.url + '/');
    await page.waitForFunction(() => document.getElementById('h-status').textContent !== '—', null,
                               {timeout: 10000});
    const empty = page.locator('#relays-empty');
    await empty.waitFor({state: 'visible', timeout: 10000});
    assert.match(await empty.textContent(), /No relays in use/);
    assert.match(await page.locator('#self-line').textContent(), /no STUN server named/);
    assert.equal(await page.locator('#relays').isVisible(), false);
    assert.equal(await page.locator('#identities-empty').isVisible(), true);
    await page.close();
    clean();
  });
});

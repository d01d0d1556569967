// The dashboard and the BBS in a real browser against real devnet daemons:
//   A and B  peers of each other, each with a signing key: chat, bans, tokens, status;
//   C        alone, mining an authority EMERGENCY (text: a hostile HTML payload) and a
//            "required" TRANSITION_SIGNAL: banner, tabs, escaping, disconnection;
//   D and E  (a second block) peers mining every 0.2 s: long messages in fragments, the outbox.
// Screenshots go to build/browser-artifacts/.
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';

import {emergencyBlob, transitionBlob} from './lib/authority.js';
import {Browser, DESKTOP, PHONE, screenshot} from './lib/browser.js';
import {Daemon, daemonHasFlag, deriveKey, http, stopAll, waitFor} from './lib/devnet.js';

const XSS = '<img src=x onerror=alert(1)>';
const RUN = Math.random().toString(36).slice(2, 8);
const STATUS_TYPES = ['NODE_STATUS', 'MERGED_STATUS', 'VERSION_SIGNAL'];
const ALERT_TYPES = ['EMERGENCY', 'TRANSITION_SIGNAL'];

const hasSigning = daemonHasFlag('--signing-key');
const hasStatusInterval = daemonHasFlag('--status-interval');
const NEEDS_SEND = 'this sharemsgd has no --signing-key (messaging API not merged yet)';

const A = new Daemon('node-a');
const B = new Daemon('node-b');
const C = new Daemon('node-c');
let keyA;
let keyB;
let browser;  // each describe block launches its own
let chatText;  // the chat A sent, once sent
let chatDelivered = false;  // and once B showed it

// Types of the messages the list shows now.
const listedTypes = (page) =>
  page.$$eval('#messages > li.msg', (lis) => lis.map((li) => li.getAttribute('data-type')));

async function waitConnected(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById('conn').getAttribute('data-state');
    return s === 'live' || s === 'polling';
  }, null, {timeout: 20000});
}

async function clickTab(page, name) {
  await page.click(`.tab[data-tab="${name}"]`);
  await page.waitForFunction((n) =>
    document.querySelector(`.tab[data-tab="${n}"]`).getAttribute('aria-selected') === 'true', name);
}

// Sends from the BBS form; answers the token form with `token` if it appears.
async function sendFromBbs(page, text, token, button = '#send-chat') {
  await page.fill('#send-text', text);
  await page.click(button);
  const form = page.locator('#token-form');
  await Promise.race([
    form.waitFor({state: 'visible', timeout: 5000}).catch(() => {}),
    page.locator('#flash').waitFor({state: 'visible', timeout: 5000}).catch(() => {}),
  ]);
  if (await form.isVisible()) {
    await page.fill('#token-input', token);
    await page.click('#token-form button[type="submit"]');
  }
  await page.locator('#flash').waitFor({state: 'visible', timeout: 10000});
  return page.locator('#flash');
}

function noDialogs() {
  assert.deepEqual(browser.dialogs, [], 'a JavaScript dialog opened: ' + browser.dialogs.join('; '));
}

describe('sharemsgd web pages', {timeout: 600000}, () => {
  before(async () => {
    await Promise.all([A.ports(), B.ports(), C.ports()]);
    const common = ['--share-period', '0.5'];
    // Statuses spend the sender's message budget (4096 MWU per hour): not too often.
    if (hasStatusInterval) common.push('--status-interval', '30');
    const extraA = [...common, '--peer', `127.0.0.1:${B.p2pPort}`];
    const extraB = [...common, '--peer', `127.0.0.1:${A.p2pPort}`];
    if (hasSigning) {
      keyA = deriveKey(0);
      keyB = deriveKey(0);
      extraA.push(...keyA.flags);
      extraB.push(...keyB.flags);
    }
    const extraC = [...common,
                    '--transition-message', emergencyBlob('DRILL ' + XSS + ' ' + RUN),
                    '--transition-message', transitionBlob({msg: 'upgrade to v37 <b>now</b>', urgency: 'required'})];
    await Promise.all([A.start(extraA), B.start(extraB), C.start(extraC)]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (browser) await browser.close();
    await stopAll();
  });

  it('formats NODE_STATUS payloads readably (page code, no node needed)', async () => {
    const page = await browser.open(A.url + '/static/bbs.html');
    const out = await page.evaluate(() => [
      SM.formatStatus('{"v":"13.4","up":180000,"hr":1500000,"sc":12,"p":3,"mc":["DOGE"]}'),
      SM.formatStatus('not json'),
      SM.formatStatus('{"v":"sharemsgd/0.1.0","up":59,"hr":31,"p":1}'),
      SM.hashrate(2.5e12),
      SM.duration(59), SM.duration(3600 * 5 + 60), SM.duration(86400 * 3),
    ]);
    assert.deepEqual(out, ['v13.4 | up 2d 2h | 1.50 MH/s | 3 peers | 12 shares | merged: DOGE',
                           undefined, 'sharemsgd/0.1.0 | up 59s | 31 H/s | 1 peer', '2.50 TH/s', '59s', '5h 1m', '3d']);
    await page.close();
  });

  it('serves the dashboard at / and the BBS at /static/bbs.html', async () => {
    for (const [p, type] of [['/', 'text/html'], ['/static/bbs.html', 'text/html'],
                             ['/static/style.css', 'text/css'], ['/static/common.js', 'text/javascript']]) {
      const r = await fetch(A.url + p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type'), new RegExp('^' + type), p);
    }
    assert.equal((await fetch(A.url + '/static/missing.js')).status, 404);
  });

  it('dashboard shows the node\'s health, identity and an activity chart', async () => {
    const page = await browser.open(A.url + '/');
    await page.waitForFunction(() => document.getElementById('h-status').textContent === 'ok');
    await page.waitForFunction(() => Number(document.getElementById('h-peers').textContent) >= 1,
                               null, {timeout: 30000});
    await page.waitForFunction(() => Number(document.getElementById('h-shares').textContent) > 0);
    assert.equal(await page.locator('#chart svg').count(), 1);
    assert.equal(await page.locator('#emergency').isVisible(), false, 'A stores no alarm: no banner');
    if (hasSigning) {
      await page.waitForFunction(() => /signing id/.test(document.getElementById('identity').textContent));
    }
    await waitConnected(page);
    noDialogs();
    await page.close();
  });

  it('a chat sent from A\'s BBS appears on B\'s BBS without reloading, verified', async () => {
    assert.ok(hasSigning, NEEDS_SEND);
    const pageB = await browser.open(B.url + '/static/bbs.html');
    await waitConnected(pageB);
    await pageB.evaluate(() => { window.__notReloaded = true; });

    const pageA = await browser.open(A.url + '/static/bbs.html');
    chatText = `hello from A ${RUN} ${XSS}`;
    const flash = await sendFromBbs(pageA, chatText, A.cookie());
    assert.match(await flash.textContent(), /queued/, 'A accepted the message');
    assert.equal(await pageA.inputValue('#send-text'), '', 'the send box is cleared');

    // A second send reuses the kept token: no token form this time.
    const flash2 = await sendFromBbs(pageA, `announcement from A ${RUN}`, 'unused', '#send-announce');
    assert.match(await flash2.textContent(), /queued/);
    assert.equal(await pageA.locator('#token-form').isVisible(), false);

    const item = pageB.locator('#messages > li.msg', {hasText: `hello from A ${RUN}`});
    try {
      await item.waitFor({timeout: 90000});
    } catch (e) {
      // Say where it stopped: still queued on A (no share carried it), or carried but not shown.
      const outbox = await http(A.webPort, 'GET', '/msg/outbox', {token: A.cookie()});
      const onB = (await B.get('/msg/chat?limit=200')).json;
      // And whether the two share a chain: a share on A's chain alone never reaches B's ledger.
      const best = async (d) => ((await d.get('/health')).json || {}).best_share;
      throw new Error(`the chat did not reach B's BBS in 90 s. A's outbox: ${outbox.text.slice(0, 400)}; ` +
                      `chats stored on B: ${JSON.stringify(onB && onB.messages && onB.messages.map((m) => m.payload))}; ` +
                      `best share on A ${await best(A)}, on B ${await best(B)}; ` +
                      `B's ignored messages: ${((await B.get('/metrics')).text.match(/^sharemsg_open_ignored.*$/mg) || []).join(', ')}`);
    }
    chatDelivered = true;
    assert.equal(await item.getAttribute('data-type'), 'MINER_MESSAGE');
    assert.equal(await item.locator('.badge.verified').count(), 1, 'verified badge');
    assert.equal(await item.locator('.msg-text').textContent(), chatText, 'hostile text shown as text');
    assert.equal(await pageB.locator('#messages img').count(), 0);
    assert.equal(await pageB.evaluate(() => window.__notReloaded), true, 'B did not reload');
    // The footer's count follows live messages: it counts this one too.
    const stored = Number((/(\d+) messages? stored/.exec(await pageB.locator('#stats').textContent()) || [])[1]);
    assert.ok(stored >= (await pageB.locator('#messages > li.msg').count()),
              'footer counts the live messages: ' + stored);
    assert.equal(await item.getAttribute('data-sender'), keyA.signingId);
    const title = await item.locator('.sender').getAttribute('title');
    assert.ok(title.includes(keyA.signingId), 'full sender id on hover: ' + title);

    // B's Chat tab: only chat, and this one among them.
    await clickTab(pageB, 'chat');
    const types = await listedTypes(pageB);
    assert.ok(types.length >= 1);
    assert.ok(types.every((t) => t === 'MINER_MESSAGE'), types.join());
    await pageB.locator('#messages > li.msg', {hasText: `announcement from A ${RUN}`})
      .waitFor({state: 'detached', timeout: 1000}).catch(() => {});
    await clickTab(pageB, 'announcements');
    await pageB.locator('#messages > li.msg', {hasText: `announcement from A ${RUN}`}).waitFor({timeout: 90000});
    assert.ok((await listedTypes(pageB)).every((t) => t === 'POOL_ANNOUNCE'));
    noDialogs();
    await pageA.close();
    await pageB.close();
  });

  it('NODE_STATUS entries render as version, uptime, hashrate, peers', async () => {
    assert.ok(hasStatusInterval, 'this sharemsgd has no --status-interval (NODE_STATUS not merged yet)');
    const page = await browser.open(B.url + '/static/bbs.html#status');
    const item = page.locator('#messages > li.msg[data-type="NODE_STATUS"]').first();
    await item.waitFor({timeout: 60000});
    const text = await item.locator('.msg-text').textContent();
    assert.match(text, /^\S+ \| up \S+.* \| [\d.]+ [kMGTPE]?H\/s \| \d+ peers?/, text);
    assert.doesNotMatch(text, /[{}"]/, 'no raw JSON: ' + text);
    // All shows each node's newest status only.
    await clickTab(page, 'all');
    const statuses = (await listedTypes(page)).filter((t) => t === 'NODE_STATUS').length;
    assert.ok(statuses <= 2, statuses + ' statuses in All for 2 nodes');
    await clickTab(page, 'status');
    assert.ok((await listedTypes(page)).every((t) => STATUS_TYPES.includes(t)));
    await page.close();
  });

  it('tabs show only their type; Keys shows the keys', async () => {
    const page = await browser.open(C.url + '/static/bbs.html');
    await page.locator('#messages > li.msg[data-type="EMERGENCY"]').waitFor({timeout: 60000});
    await page.locator('#messages > li.msg[data-type="TRANSITION_SIGNAL"]').waitFor({timeout: 60000});
    const all = await listedTypes(page);
    assert.ok(all.includes('EMERGENCY') && all.includes('TRANSITION_SIGNAL'), all.join());

    await clickTab(page, 'alerts');
    const alerts = await listedTypes(page);
    assert.ok(alerts.length >= 2, alerts.join());
    assert.ok(alerts.every((t) => ALERT_TYPES.includes(t)), alerts.join());
    assert.equal(await page.locator('#messages .badge.authority').count(), alerts.length,
                 'authority badge on authority-signed alerts');

    await clickTab(page, 'chat');
    assert.ok((await listedTypes(page)).every((t) => t === 'MINER_MESSAGE'));
    await clickTab(page, 'status');
    assert.ok((await listedTypes(page)).every((t) => STATUS_TYPES.includes(t)));
    await clickTab(page, 'announcements');
    assert.ok((await listedTypes(page)).every((t) => t === 'POOL_ANNOUNCE'));

    await clickTab(page, 'keys');
    assert.equal(await page.locator('#messages-panel').isVisible(), false);
    assert.equal(await page.locator('#keys').isVisible(), true);
    await page.waitForFunction(() => /total/.test(document.getElementById('keys-summary').textContent));
    assert.match(page.url(), /#keys$/);

    await clickTab(page, 'all');
    assert.deepEqual((await listedTypes(page)).sort(), all.sort());
    noDialogs();
    await page.close();
  });

  it('a stored authority EMERGENCY raises the red sticky banner on the dashboard', async () => {
    const page = await browser.open(C.url + '/');
    const banner = page.locator('#emergency');
    await banner.waitFor({state: 'visible', timeout: 60000});
    assert.match(await banner.textContent(), /EMERGENCY/);
    assert.equal(await banner.locator('a').getAttribute('href'), '/static/bbs.html#alerts');
    const style = await banner.evaluate((b) => {
      const s = getComputedStyle(b);
      return {position: s.position, bg: s.backgroundColor};
    });
    assert.equal(style.position, 'sticky');
    const [r, g, bl] = style.bg.match(/\d+/g).map(Number);
    assert.ok(r > 150 && g < 60 && bl < 60, 'red: ' + style.bg);
    // Still on screen after scrolling to the bottom.
    await page.setViewportSize({width: DESKTOP.width, height: 400});
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const box = await banner.boundingBox();
    assert.ok(box && box.y <= 1, 'banner sticks to the top: ' + JSON.stringify(box));
    await page.setViewportSize(DESKTOP);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'dashboard-emergency-desktop');
    noDialogs();
    await page.close();
  });

  it('renders a message payload of <img src=x onerror=alert(1)> as text, with no dialog', async () => {
    const page = await browser.open(C.url + '/static/bbs.html#alerts');
    const item = page.locator('#messages > li.msg[data-type="EMERGENCY"]', {hasText: RUN});
    await item.waitFor({timeout: 60000});
    assert.equal(await item.locator('.msg-text').textContent(), `DRILL ${XSS} ${RUN}`);
    const transition = page.locator('#messages > li.msg[data-type="TRANSITION_SIGNAL"]').first();
    assert.match(await transition.locator('.msg-text').textContent(), /<b>now<\/b>/);
    assert.equal(await page.locator('img, b').count(), 0, 'no element was made from message text');
    const dash = await browser.open(C.url + '/');
    await dash.locator('#emergency').waitFor({state: 'visible', timeout: 60000});
    assert.ok((await dash.locator('#emergency').textContent()).includes(XSS));
    await dash.locator('#latest > li').first().waitFor();
    assert.equal(await dash.locator('img, b').count(), 0);
    await page.waitForTimeout(500);  // an onerror would have fired by now
    noDialogs();
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
    await page.close();
    await dash.close();
  });

  it('banning a sender from the BBS hides their messages on that node only', async () => {
    assert.ok(hasSigning, NEEDS_SEND);
    assert.ok(chatDelivered, 'needs A\'s chat on B (the chat test did not get it there)');
    const pageB = await browser.open(B.url + '/static/bbs.html#chat');
    const fromA = pageB.locator(`#messages > li.msg[data-sender="${keyA.signingId}"]`);
    await fromA.first().waitFor({timeout: 60000});
    await fromA.first().locator('button.ban').click();
    await pageB.locator('#token-form').waitFor({state: 'visible'});
    await pageB.fill('#token-input', B.cookie());
    await pageB.click('#token-form button[type="submit"]');
    await pageB.locator('#flash.ok', {hasText: 'Banned'}).waitFor({timeout: 10000});
    await waitFor(async () => (await fromA.count()) === 0, {timeout: 10000, what: 'A\'s messages to go'});
    // Reloaded, B still hides them (the node filters, not only the page).
    await pageB.reload();
    await pageB.locator('#list-empty, #messages > li.msg').first().waitFor();
    assert.equal(await fromA.count(), 0);
    const bans = (await B.get('/msg/bans')).json;
    assert.ok(bans.bans.signing_ids.includes(keyA.signingId), JSON.stringify(bans));
    // A still shows its own message.
    const pageA = await browser.open(A.url + '/static/bbs.html#chat');
    await pageA.locator(`#messages > li.msg[data-sender="${keyA.signingId}"]`).first().waitFor({timeout: 10000});
    assert.equal((await A.get('/msg/bans')).json.total_bans, 0);
    noDialogs();
    await pageA.close();
    await pageB.close();
  });

  it('a wrong API token shows a clear error in the page', async () => {
    const page = await browser.open(A.url + '/static/bbs.html');
    const flash = await sendFromBbs(page, `never sent ${RUN}`, 'f'.repeat(64));
    assert.match(await flash.getAttribute('class'), /error/);
    const text = await flash.textContent();
    assert.match(text, /Wrong API token \(HTTP 401\)/, text);
    assert.match(text, /\.cookie/, text);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sharemsg.api_token')), null,
                 'a rejected token is not kept');
    assert.equal(await page.inputValue('#send-text'), `never sent ${RUN}`, 'the text is kept to retry');
    noDialogs();
    await page.close();
  });

  it('a private message shows its text on the BBS only once the token is given', async () => {
    assert.ok(hasSigning, NEEDS_SEND);
    assert.ok(chatDelivered, 'needs A and B on one chain (the chat test did not get there)');
    // B writes to A (B has banned A's key by now; A bans no one). B encrypts to A's key, which
    // B must have seen announced.
    await waitFor(async () => ((await B.get('/msg/keys')).json?.keys || [])
      .some((k) => k.signing_id === keyA.signingId && k.bound), {timeout: 60000, what: 'A\'s key on B'});
    const page = await browser.open(A.url + '/static/bbs.html#chat');
    const urls = [];
    const streamAuth = [];
    page.on('request', (r) => {
      urls.push(r.url());
      if (new URL(r.url()).pathname === '/msg/stream') streamAuth.push(r.headers().authorization || '');
    });
    await page.waitForFunction(() => document.getElementById('conn').getAttribute('data-state') === 'live',
                               null, {timeout: 15000});
    await page.evaluate(() => { window.__notReloaded = true; });
    const sendToA = async (text) => {
      const r = await http(B.webPort, 'POST', '/msg/send',
                           {token: B.cookie(), body: {type: 'chat', text, to: keyA.signingId}});
      assert.equal(r.status, 200, r.text);
    };
    const first = `private to A ${RUN} first`;
    await sendToA(first);
    const fromB = page.locator(`#messages > li.msg[data-private="true"][data-sender="${keyB.signingId}"]`);
    await fromB.first().waitFor({timeout: 90000});
    assert.equal(await fromB.first().locator('.msg-text').textContent(), '[encrypted]');
    assert.match(await fromB.first().locator('.msg-private').textContent(), /private → /);
    assert.ok(!(await page.content()).includes(first), 'no private text without the token');
    await screenshot(page, 'bbs-private-encrypted-desktop');

    // The token, given from the message's button: the text shows.
    await fromB.first().locator('button.reveal').click();
    await page.locator('#token-form').waitFor({state: 'visible'});
    await page.fill('#token-input', A.cookie());
    await page.click('#token-form button[type="submit"]');
    await page.locator('#messages > li.msg', {hasText: first}).waitFor({timeout: 15000});
    assert.equal(await page.locator('#messages button.reveal').count(), 0);
    await page.waitForFunction(() => document.getElementById('conn').getAttribute('data-state') === 'live',
                               null, {timeout: 15000});
    assert.equal(streamAuth.at(-1), 'Bearer ' + A.cookie(), 'the stream is read with the token');

    // The next one comes live, through the stream, with its text.
    const second = `private to A ${RUN} second`;
    await sendToA(second);
    await page.locator('#messages > li.msg', {hasText: second}).waitFor({timeout: 90000});
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
    await screenshot(page, 'bbs-private-read-desktop');

    // Forgotten: "[encrypted]" again, and the stream goes on without the token.
    await page.click('#token-forget');
    await waitFor(async () => (await page.locator('#messages > li.msg', {hasText: RUN + ' first'}).count()) === 0,
                  {timeout: 15000, what: 'the private text to go'});
    assert.ok((await fromB.count()) >= 2);
    for (const t of await fromB.locator('.msg-text').allTextContents()) assert.equal(t, '[encrypted]');
    await page.waitForFunction(() => document.getElementById('conn').getAttribute('data-state') === 'live',
                               null, {timeout: 15000});
    assert.equal(streamAuth.at(-1), '', 'the stream reopened without the token');
    assert.ok(urls.every((u) => !u.includes(A.cookie())), 'the token never goes into a URL');
    noDialogs();
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
    await page.close();
  });

  it('pages come with a content security policy and cannot be framed', async () => {
    for (const p of ['/', '/static/bbs.html']) {
      const r = await fetch(A.url + p);
      const csp = r.headers.get('content-security-policy') || '';
      assert.match(csp, /frame-ancestors 'none'/, p);
      assert.match(csp, /script-src 'self'/, p);
      assert.doesNotMatch(csp, /unsafe/, p);
      assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    }
    // Another page that frames the BBS shows nothing of it (the refusal the browser reports
    // on the console is expected here, not a page error).
    const before = browser.errors.length;
    const page = await browser.open('about:blank');
    await page.setContent(`<iframe id="f" src="${A.url}/static/bbs.html"></iframe>`);
    await page.waitForTimeout(1500);
    const framed = page.frames().find((f) => f !== page.mainFrame());
    const tabs = framed ? await framed.locator('.tab').count().catch(() => 0) : 0;
    assert.equal(tabs, 0, 'the BBS rendered inside a frame');
    browser.errors.splice(before);
    await page.close();
  });

  it('live updates come from the event stream', async () => {
    const page = await browser.open(A.url + '/static/bbs.html');
    await page.waitForFunction(() => document.getElementById('conn').getAttribute('data-state') === 'live',
                               null, {timeout: 15000});
    assert.equal(await page.locator('#conn').textContent(), '● live');
    await page.close();
  });

  it('pages fit a 375 px phone screen; screenshots', async () => {
    const shots = [[B, '/static/bbs.html', 'bbs'], [A, '/', 'dashboard'], [C, '/static/bbs.html', 'bbs-alerts']];
    for (const [node, p, name] of shots) {
      for (const [vp, suffix] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
        const page = await browser.open(node.url + p, vp);
        await page.locator('#messages > li.msg, #latest > li, #list-empty:visible, #latest-empty:visible')
          .first().waitFor({timeout: 30000});
        await page.waitForTimeout(300);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= vp.width, `${name} at ${vp.width} px scrolls sideways (${width} px)`);
        await screenshot(page, `${name}-${suffix}`);
        await page.close();
      }
    }
  });

  it('a node that stops answering shows "disconnected, retrying", then recovers', async () => {
    const bbs = await browser.open(C.url + '/static/bbs.html');
    const dash = await browser.open(C.url + '/');
    await waitConnected(bbs);
    await waitConnected(dash);
    await C.stop();
    for (const page of [bbs, dash]) {
      await page.waitForFunction(() => document.getElementById('conn').getAttribute('data-state') === 'disconnected',
                                 null, {timeout: 20000});
      assert.equal(await page.locator('#conn').textContent(), '● disconnected, retrying');
      assert.equal(await page.locator('#conn').isVisible(), true);
    }
    await screenshot(dash, 'dashboard-disconnected-desktop');
    await C.restart();
    for (const page of [bbs, dash]) await waitConnected(page);
    noDialogs();
    await bbs.close();
    await dash.close();
  });
});

// Long messages and the outbox: a fresh pair of peers, D and E, mining a share every 0.2 s, so
// that D earns the message budget a 1,000-byte text needs (64 MWU per share it mines, about 25
// shares) within seconds. No NODE_STATUS: statuses would spend that budget too.
describe('long messages and the outbox on the BBS', {timeout: 600000}, () => {
  const D = new Daemon('node-d');
  const E = new Daemon('node-e');
  let keyD;
  let pageD;     // D's BBS with the token kept, once the long message is sent
  let longHash;  // and that message's hash
  const LONG_HEAD = `long message from D ${RUN} ✓ `;
  const LONG_LABEL = 'Long message (sent in fragments, up to 1600 bytes)';

  // Exactly `bytes` bytes of UTF-8: the head, numbered words, an end mark.
  function longText(bytes) {
    const tail = ` END ${RUN}`;
    let middle = '';
    for (let i = 0; middle.length < bytes; i++) middle += 'w' + String(i).padStart(4, '0') + ' ';
    const text = LONG_HEAD + middle.slice(0, bytes - Buffer.byteLength(LONG_HEAD + tail)) + tail;
    assert.equal(Buffer.byteLength(text), bytes);
    return text;
  }

  before(async () => {
    assert.ok(hasSigning, NEEDS_SEND);
    await Promise.all([D.ports(), E.ports()]);
    const common = ['--share-period', '0.2'];
    if (hasStatusInterval) common.push('--status-interval', '0');
    keyD = deriveKey(0);
    await Promise.all([D.start([...common, '--peer', `127.0.0.1:${E.p2pPort}`, ...keyD.flags]),
                       E.start([...common, '--peer', `127.0.0.1:${D.p2pPort}`, ...deriveKey(0).flags])]);
    browser = await Browser.launch();
  });

  after(async () => {
    if (pageD) await pageD.close().catch(() => {});
    if (browser) await browser.close();
    await stopAll();
  });

  it('without "Long message", a 221-byte text is refused in the page and nothing is sent', async () => {
    const page = await browser.open(D.url + '/static/bbs.html');
    const posts = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/msg/send') posts.push(r.method()); });
    assert.equal(await page.locator('#outbox-panel').isVisible(), false, 'no token kept: no outbox section');
    const long = page.getByLabel(LONG_LABEL);
    assert.equal(await long.getAttribute('id'), 'send-long', 'the checkbox is labelled');
    assert.equal(await long.isChecked(), false);
    const count = page.locator('#send-count');
    assert.equal(await count.textContent(), '0/220 bytes');

    const text = 'é' + 'x'.repeat(219);  // 220 characters, 221 bytes
    await page.fill('#send-text', text);
    assert.equal(await count.textContent(), '221/220 bytes');
    assert.match(await count.getAttribute('class'), /\bover\b/);
    await long.check();
    assert.equal(await count.textContent(), '221/1600 bytes');
    assert.doesNotMatch(await count.getAttribute('class'), /\bover\b/);
    await long.uncheck();
    assert.match(await count.getAttribute('class'), /\bover\b/);

    await page.click('#send-chat');
    const flash = page.locator('#flash');
    await flash.waitFor({state: 'visible', timeout: 5000});
    assert.match(await flash.getAttribute('class'), /error/);
    assert.match(await flash.textContent(), /Too long: 221 bytes, a message holds 220\./);
    assert.equal(await page.locator('#token-form').isVisible(), false, 'refused before asking for a token');
    assert.equal(await page.inputValue('#send-text'), text, 'the text is kept');

    // The private box: 192 bytes, 1572 in fragments.
    assert.equal(await page.locator('#private-count').textContent(), '0/192 bytes');
    await page.check('#private-long');
    assert.equal(await page.locator('#private-count').textContent(), '0/1572 bytes');
    await page.waitForTimeout(300);
    assert.deepEqual(posts, [], 'nothing was sent');
    noDialogs();
    await page.close();
  });

  it('a 1,000-byte message sent with "Long message" ticked on D\'s BBS appears whole on E\'s BBS', async (t) => {
    const pageE = await browser.open(E.url + '/static/bbs.html');
    await waitConnected(pageE);
    pageD = await browser.open(D.url + '/static/bbs.html');
    const text = longText(1000);
    await pageD.getByLabel(LONG_LABEL).check();
    const answer = pageD.waitForResponse((r) => new URL(r.url()).pathname === '/msg/send');
    const start = Date.now();
    const flash = await sendFromBbs(pageD, text, D.cookie());
    assert.match(await flash.textContent(), /queued .*fragments/, await flash.textContent());
    const res = await answer;
    assert.equal(res.status(), 200);
    assert.equal(JSON.parse(res.request().postData()).fragment, true, '"fragment": true in the request');
    longHash = (await res.json()).message_hash;
    assert.match(longHash, /^[0-9a-f]{64}$/);
    assert.equal(await pageD.inputValue('#send-text'), '', 'the send box is cleared');
    assert.equal(await pageD.locator('#send-count').textContent(), '0/1600 bytes');
    // Refreshed after the send: D's outbox section lists it at once.
    await pageD.locator(`#outbox > li[data-hash="${longHash}"]`).waitFor({timeout: 5000});

    const item = pageE.locator('#messages > li.msg', {hasText: LONG_HEAD});
    try {
      await item.waitFor({timeout: 90000});
    } catch (e) {
      const outbox = await http(D.webPort, 'GET', '/msg/outbox', {token: D.cookie()});
      const onE = (await E.get('/msg/chat?limit=200')).json;
      throw new Error(`the long message did not reach E's BBS in 90 s. D's outbox: ${outbox.text.slice(0, 600)}; ` +
                      `chats stored on E: ${JSON.stringify(onE && onE.messages && onE.messages.map((m) => m.payload))}`);
    }
    t.diagnostic(`1,000 bytes from D's BBS to E's BBS in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    assert.equal(await item.locator('.msg-text').textContent(), text, 'the whole text, in order');
    assert.equal(await item.getAttribute('data-type'), 'MINER_MESSAGE');
    assert.equal(await item.getAttribute('data-sender'), keyD.signingId);
    assert.equal(await item.locator('.badge.verified').count(), 1, 'verified badge');
    assert.equal(await pageE.locator('#messages > li.msg', {hasText: LONG_HEAD}).count(), 1, 'shown once');
    noDialogs();
    await pageE.close();
  });

  it('the outbox section lists the sent message and shows it embedded, fragments n/n', async () => {
    assert.ok(longHash, 'needs the long message sent (the previous test did not send it)');
    const entry = pageD.locator(`#outbox > li[data-hash="${longHash}"]`);
    await entry.waitFor({timeout: 15000});
    assert.equal(await pageD.locator('#outbox-panel').isVisible(), true);
    assert.match(await entry.locator('.hash').textContent(), new RegExp('^' + longHash.slice(0, 8) + '…'));
    assert.equal(await entry.locator('.hash').getAttribute('title'), longHash);
    // The section refreshes every 10 s.
    await pageD.waitForFunction((h) => {
      const li = document.querySelector(`#outbox > li[data-hash="${h}"]`);
      return li && li.getAttribute('data-state') === 'embedded';
    }, longHash, {timeout: 30000});
    assert.equal(await entry.locator('.state').textContent(), 'embedded');
    const fragments = (await entry.locator('.fragments').textContent()).match(/^fragments (\d+)\/(\d+)$/);
    assert.ok(fragments, 'fragments k/n shown');
    assert.equal(fragments[1], fragments[2], 'every fragment sent');
    assert.ok(Number(fragments[2]) >= Math.ceil(1000 / 220), 'fragments ' + fragments[2]);
    assert.equal(await entry.locator('.detail').count(), 0, 'no failure detail');
    // Newest first.
    const times = await pageD.$$eval('#outbox > li time[data-ts]', (ts) => ts.map((x) => Number(x.getAttribute('data-ts'))));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first: ' + times.join());
    assert.ok((await pageD.locator('#outbox > li').count()) <= 20);

    await pageD.setViewportSize(PHONE);
    await pageD.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const width = await pageD.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the BBS with its outbox at ${PHONE.width} px scrolls sideways (${width} px)`);
    await screenshot(pageD, 'bbs-outbox-phone');
    await pageD.setViewportSize(DESKTOP);
    await screenshot(pageD, 'bbs-outbox-desktop');
    noDialogs();
  });

  it('the outbox section shows the endpoint\'s errors as text and entries without detail or fragments', async () => {
    const page = await browser.open(D.url + '/static/bbs.html');
    await page.evaluate((t) => sessionStorage.setItem('sharemsg.api_token', t), D.cookie());
    // An older node: entries without "detail" and "fragments"; a failed one without a reason.
    await page.route('**/msg/outbox', (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({queued: 1, entries: [
        {message_hash: 'aa'.repeat(32), state: 'embedded', created_at: 1700000000, share_hash: 'bb'.repeat(32)},
        {message_hash: 'cc'.repeat(32), state: 'failed', created_at: 1700000100, share_hash: null},
        {message_hash: 'dd'.repeat(32), state: 'queued', created_at: 1700000200, share_hash: null,
         detail: null, fragments: {sent: 2, total: 7}},
      ]}),
    }));
    await page.reload();
    await page.locator('#outbox > li').first().waitFor({timeout: 10000});
    assert.deepEqual(await page.$$eval('#outbox > li', (lis) => lis.map((li) => li.getAttribute('data-state'))),
                     ['queued', 'failed', 'embedded']);
    assert.equal(await page.locator('#outbox > li').first().locator('.fragments').textContent(), 'fragments 2/7');
    assert.equal(await page.locator('#outbox .fragments').count(), 1);
    assert.equal(await page.locator('#outbox .detail').count(), 0);
    assert.match(await page.locator('#outbox-summary').textContent(), /1 queued/);

    // A failure reason, shown as text.
    await page.unroute('**/msg/outbox');
    await page.route('**/msg/outbox', (route) => route.fulfill({
      status: 200, contentType: 'application/json',
      body: JSON.stringify({queued: 0, entries: [{message_hash: 'ee'.repeat(32), state: 'failed', created_at: 1700000300,
                                                   share_hash: null, detail: '<b>gave up</b> after 3 restarts',
                                                   fragments: {sent: 3, total: 5}}]}),
    }));
    await page.reload();
    const failed = page.locator('#outbox > li[data-state="failed"]');
    await failed.waitFor({timeout: 10000});
    assert.equal(await failed.locator('.detail').textContent(), '<b>gave up</b> after 3 restarts');
    assert.equal(await page.locator('#outbox b').count(), 0);

    // The endpoint's error: shown in the section, nothing thrown.
    await page.unroute('**/msg/outbox');
    await page.route('**/msg/outbox', (route) => route.fulfill({
      status: 503, contentType: 'application/json',
      body: JSON.stringify({error: 'not readable', detail: 'the outbox: disk I/O error'}),
    }));
    await page.reload();
    const error = page.locator('#outbox-error');
    await error.waitFor({state: 'visible', timeout: 10000});
    assert.match(await error.textContent(), /^Cannot read the outbox: not readable: the outbox: disk I\/O error \(HTTP 503\)/);
    assert.equal(await page.locator('#outbox-panel').isVisible(), true);

    // Forgetting the token hides the section.
    await page.click('#token-forget');
    assert.equal(await page.locator('#outbox-panel').isVisible(), false);
    assert.deepEqual(browser.errors, [], 'page errors: ' + browser.errors.join('; '));
    noDialogs();
    await page.close();
  });
});

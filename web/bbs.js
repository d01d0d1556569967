// The BBS page: message list with tabs, send box, private messages, bans, keys, key rotation,
// the Mailbox tab (mail.js: this node's end-to-end encrypted mail),
// and in its header the network and its catch-up progress (from /health).
// Private messages show their text once the API token is given (the node sends it only to
// requests with the token); until then their text is "[encrypted]", with a button to give it.
// A follower (/health "follower": true) makes no shares and cannot send: the page hides the send
// box, key rotation and the outbox there, and says why in their place.
'use strict';

(() => {
  const {el, $} = SM;

  // Which message types each tab shows (null: all).
  const TABS = {
    all: null,
    chat: ['MINER_MESSAGE'],
    announcements: ['POOL_ANNOUNCE'],
    alerts: ['EMERGENCY', 'TRANSITION_SIGNAL'],
    status: ['NODE_STATUS', 'MERGED_STATUS', 'VERSION_SIGNAL'],
    keys: undefined,  // not a list: the keys panel
    mail: undefined,  // not a list: this node's mail (mail.js)
  };

  const state = {
    tab: 'all',
    messages: new Map(),  // message_hash -> message object
    total: 0,             // the store's message count, for numbering
    numbers: new Map(),   // message_hash -> #n
    bans: {signing_ids: [], addresses: []},
    signers: undefined,   // known signers, from the last /msg/recent stats
    follower: undefined,  // /health "follower": true on a follower, undefined until known
  };

  // ---- Message list ------------------------------------------------------------------------

  function isBanned(m) {
    return (m.signing_id && state.bans.signing_ids.includes(m.signing_id)) ||
           (m.sender_address && state.bans.addresses.includes(m.sender_address));
  }

  function sorted() {
    return [...state.messages.values()].sort((a, b) =>
      (b.timestamp - a.timestamp) || (state.numbers.get(b.message_hash) - state.numbers.get(a.message_hash)));
  }

  // Numbers follow the store: the newest of N stored messages is #N.
  function renumber() {
    const oldestFirst = sorted().reverse();
    const base = Math.max(state.total, oldestFirst.length) - oldestFirst.length;
    state.numbers.clear();
    oldestFirst.forEach((m, i) => state.numbers.set(m.message_hash, base + i + 1));
  }

  function renderMessage(m) {
    const number = state.numbers.get(m.message_hash);
    const canBan = !!(m.signing_id || m.sender_address) && !m.protocol_authority;
    const head = el('div', {class: 'msg-head'},
      el('span', {class: 'num'}, '#' + number),
      SM.sender(m),
      el('span', {class: 'type type-' + String(m.type_name).toLowerCase()}, SM.TYPE_LABEL[m.type_name] || m.type_name),
      SM.badge(m),
      el('time', {class: 'age', datetime: new Date(m.timestamp * 1000).toISOString(),
                  title: new Date(m.timestamp * 1000).toLocaleString(), 'data-ts': m.timestamp},
         SM.ago(m.timestamp)),
      canBan ? el('button', {type: 'button', class: 'ban', title: 'Hide this sender\'s messages on this node',
                             onclick: () => banSender(m)}, '[Ban sender]') : null);
    const body = el('p', {class: 'msg-text'}, SM.messageText(m));
    const hidden = m.private && m.payload === SM.ENCRYPTED && !SM.token();
    const privacy = m.private
      ? el('p', {class: 'msg-private dim'},
          el('span', {title: 'recipient signing id ' + (m.to || '?')}, 'private → ' + SM.shortId(m.to, 8, 4)),
          hidden ? ' ' : null,
          hidden ? el('button', {type: 'button', class: 'reveal',
                                 title: 'Shows the text if this node holds the recipient\'s or the sender\'s key',
                                 onclick: () => revealPrivate()}, '[Read with token]') : null)
      : null;
    return el('li', {class: 'msg' + (SM.isAlarm(m) ? ' alarm' : '') + (m.private ? ' private' : '') +
                            (m.co_signed ? ' cosigned' : ''),
                     'data-type': m.type_name, 'data-hash': m.message_hash,
                     'data-sender': m.signing_id || '', 'data-private': m.private ? 'true' : null,
                     'data-cosigned': m.co_signed ? 'true' : null},
              head, body, privacy, SM.cosigners(m));
  }

  function renderList() {
    const types = TABS[state.tab];
    const list = $('messages');
    let shown = sorted().filter((m) => !isBanned(m) && (!types || types.includes(m.type_name)));
    if (state.tab === 'all') {
      // Nodes report status every few minutes: All shows each node's newest status only
      // (the Node Status tab has them all).
      const seen = new Set();
      shown = shown.filter((m) => {
        if (m.type_name !== 'NODE_STATUS') return true;
        const who = m.signing_id || m.sender_address || m.share_hash || '';
        if (seen.has(who)) return false;
        seen.add(who);
        return true;
      });
    }
    list.replaceChildren(...shown.map(renderMessage));
    $('list-empty').hidden = shown.length > 0;
    SM.updateBanner([...state.messages.values()].filter((m) => !isBanned(m)));
  }

  function refreshAges() {
    document.querySelectorAll('time.age[data-ts]').forEach((t) => {
      t.textContent = SM.ago(Number(t.getAttribute('data-ts')));
    });
  }

  async function loadMessages() {
    // The authority's alerts too, which the newest 200 messages may no longer hold.
    const [recent, alerts, bans] = await Promise.all([SM.get('/msg/recent?limit=200'),
                                                      SM.get('/msg/alerts?limit=50').catch(() => null),
                                                      SM.get('/msg/bans').catch(() => null)]);
    if (bans && bans.bans) {
      state.bans = {signing_ids: bans.bans.signing_ids || [], addresses: bans.bans.addresses || []};
      renderBans(bans);
    }
    state.messages.clear();
    for (const m of [...(recent.messages || []), ...((alerts && alerts.alerts) || [])]) {
      if (!m || typeof m !== 'object' || !m.message_hash) continue;
      live.accept(m);
      state.messages.set(m.message_hash, m);
    }
    state.total = Math.max((recent.stats && recent.stats.total_messages) || 0, state.messages.size);
    renumber();
    renderList();
    renderStats(recent.stats);
  }

  function renderStats(stats) {
    if (!stats) return;
    state.signers = stats.known_signers;
    const plural = (n, one, many) => n + ' ' + (Number(n) === 1 ? one : many);
    SM.setText('stats', plural(stats.total_messages, 'message', 'messages') + ' stored · ' +
               plural(stats.known_signers, 'signer', 'signers') + ' known');
  }

  function addLive(m) {
    if (state.messages.has(m.message_hash)) return;
    state.messages.set(m.message_hash, m);
    state.total += 1;
    renumber();
    renderList();
    // The footer follows live messages too (the signer count until the next full load).
    if (state.signers !== undefined) renderStats({total_messages: state.total, known_signers: state.signers});
  }

  // Private text: ask for the token; the pages read again with it (SM.onTokenChange).
  async function revealPrivate() {
    if (await SM.useToken('Private messages to or from this node show their text with its API token.')) {
      SM.flash('Private messages to or from this node now show their text', 'ok');
    }
  }

  // ---- Tabs --------------------------------------------------------------------------------

  function selectTab(name) {
    if (!(name in TABS)) name = 'all';
    state.tab = name;
    document.querySelectorAll('.tab').forEach((b) =>
      b.setAttribute('aria-selected', String(b.getAttribute('data-tab') === name)));
    const keys = name === 'keys';
    const mail = name === 'mail';
    document.body.setAttribute('data-tab', name);
    $('keys-panel').hidden = !keys;
    $('mail-panel').hidden = !mail;
    $('messages-panel').hidden = keys || mail;
    if (mail) BbsMail.show();
    else BbsMail.hide();
    if (keys) loadKeys().catch((e) => SM.flash(SM.describeError(e), 'error'));
    else if (!mail) renderList();
    if (location.hash.slice(1) !== name) history.replaceState(null, '', '#' + name);
  }

  // ---- Keys, identity, bans ----------------------------------------------------------------

  async function loadKeys() {
    const [identity, keys, bans] = await Promise.all([
      SM.get('/msg/identity'), SM.get('/msg/keys'), SM.get('/msg/bans')]);
    const id = $('identity');
    const row = (k, v, title) => [el('dt', {}, k), el('dd', {title}, v === undefined || v === null ? '—' : String(v))];
    if (identity.messaging_enabled) {
      id.replaceChildren(
        ...row('signing id', identity.signing_id), ...row('key index', identity.key_index),
        ...row('address', identity.address), ...row('messages signed', identity.messages_signed),
        ...row('signing pubkey', SM.shortId(identity.signing_pubkey, 10, 8), identity.signing_pubkey));
    } else {
      id.replaceChildren(...row('messaging', 'disabled'),
                         ...row('why', identity.error || 'no signing key configured'));
    }
    SM.setText('keys-summary', '(' + keys.total_keys + ' total, ' + keys.active_keys + ' active, ' +
               keys.revoked_keys + ' revoked)');
    const tbody = $('keys').tBodies[0];
    tbody.replaceChildren(...(keys.keys || []).map((k) => el('tr', {class: k.revoked ? 'revoked' : ''},
      el('td', {title: k.signing_id}, SM.shortId(k.signing_id, 8, 4)),
      el('td', {}, k.key_index),
      el('td', {title: k.miner_address || ''}, k.miner_address ? SM.shortId(k.miner_address, 6, 4) : '—'),
      el('td', {}, k.first_seen ? SM.ago(k.first_seen) : '—'),
      el('td', {}, k.messages_signed),
      el('td', {}, k.revoked ? 'revoked' : 'active'))));
    renderBans(bans);
  }

  function renderBans(data) {
    const b = data.bans || {};
    const items = [];
    const add = (kind, field, values) => (values || []).forEach((v) => items.push(el('li', {},
      el('span', {class: 'dim'}, kind + ' '), el('span', {title: String(v)}, SM.shortId(v, 10, 6)), ' ',
      el('button', {type: 'button', class: 'unban', onclick: () => unban(field, v)}, '[Unban]'))));
    add('signing id', 'signing_id', b.signing_ids);
    add('address', 'address', b.addresses);
    add('word', 'word', b.words);
    add('type', 'type', b.types);
    $('bans').replaceChildren(...items);
    SM.setText('bans-summary', '(' + (data.total_bans || 0) + ')');
  }

  async function banSender(m) {
    const body = m.signing_id ? {signing_id: m.signing_id} : {address: m.sender_address};
    try {
      const r = await SM.authed('POST', '/msg/ban', body);
      SM.flash('Banned ' + r.ban_type + ' ' + SM.shortId(r.value, 10, 6) + ' on this node', 'ok');
      await loadMessages();
    } catch (e) {
      SM.flash('Ban failed: ' + SM.describeError(e), 'error');
    }
  }

  async function unban(field, value) {
    try {
      await SM.authed('DELETE', '/msg/ban', {[field]: value});
      SM.flash('Unbanned ' + SM.shortId(value, 10, 6), 'ok');
      await Promise.all([loadMessages(), state.tab === 'keys' ? loadKeys() : null]);
    } catch (e) {
      SM.flash('Unban failed: ' + SM.describeError(e), 'error');
    }
  }

  // ---- Sending -----------------------------------------------------------------------------

  // Bytes of UTF-8 a text may hold: 220 in one share, 1600 when the node sends it in fragments
  // (one per share); a private message gives 28 of them to its encryption (192, 1572).
  function maxBytes(fragment, isPrivate) {
    return (fragment ? SM.MAX_FRAGMENTED : SM.MAX_PAYLOAD) - (isPrivate ? SM.PRIVATE_OVERHEAD : 0);
  }

  function checkText(text, fragment, isPrivate) {
    if (!text.trim()) return 'Write something first.';
    const n = SM.utf8Length(text);
    const max = maxBytes(fragment, isPrivate);
    if (n <= max) return '';
    let s = 'Too long: ' + n + ' bytes, a message holds ' + max + '.';
    if (!fragment && n <= maxBytes(true, isPrivate)) {
      s += ' Tick "Long message" to send up to ' + maxBytes(true, isPrivate) + ' bytes in fragments.';
    }
    return s;
  }

  async function send(type, text, to, fragment) {
    const problem = checkText(text, fragment, !!to);
    if (problem) { SM.flash(problem, 'error'); return false; }
    const body = {type, text};
    if (to) body.to = to;
    if (fragment) body.fragment = true;
    try {
      const r = await SM.authed('POST', '/msg/send', body);
      let s = (to ? 'Private message' : type === 'announce' ? 'Announcement' : 'Message') +
              ' queued (position ' + r.queue_position + ')';
      if (fragment) s += ' to go out in fragments, one per share';
      // The node's estimate of when its share carries the message (the last fragment's).
      const eta = SM.inAbout(r.estimated_share_time);
      if (typeof r.estimated_share_time === 'number' && eta) {
        s += '; ' + (fragment ? 'the last ' : '') + 'expected in a share ' + eta;
      }
      SM.flash(s, 'ok');
      refreshOutbox();
      return true;
    } catch (e) {
      SM.flash('Not sent: ' + SM.describeError(e), 'error');
      return false;
    }
  }

  // The live byte counter of a text box: its limit follows the box's "Long message" checkbox.
  // Returns the update function (call it after changing the text from code).
  function byteCounter(textId, countId, longId, isPrivate) {
    const text = $(textId);
    const long = $(longId);
    const update = () => {
      const max = maxBytes(long.checked, isPrivate);
      const n = SM.utf8Length(text.value);
      const c = $(countId);
      c.textContent = n + '/' + max + ' bytes';
      c.classList.toggle('over', n > max);
      text.placeholder = text.placeholder.replace(/\d+ bytes/, max + ' bytes');
    };
    text.addEventListener('input', update);
    long.addEventListener('change', update);
    update();
    return update;
  }

  function initCompose() {
    const text = $('send-text');
    const count = byteCounter('send-text', 'send-count', 'send-long', false);
    const go = async (type) => {
      if (await send(type, text.value, undefined, $('send-long').checked)) { text.value = ''; count(); }
    };
    $('send-form').addEventListener('submit', (ev) => { ev.preventDefault(); go('chat'); });
    $('send-announce').addEventListener('click', () => go('announce'));
    text.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); go('chat'); }
    });

    const privateCount = byteCounter('private-text', 'private-count', 'private-long', true);
    $('private-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const to = $('private-to').value.trim().toLowerCase();
      if (!/^[0-9a-f]{40}$/.test(to)) {
        SM.flash('The recipient is a signing id: 40 hex digits (see the Keys tab).', 'error');
        return;
      }
      if (await send('chat', $('private-text').value, to, $('private-long').checked)) {
        $('private-text').value = '';
        privateCount();
      }
    });

    $('view-keys').addEventListener('click', () => selectTab('keys'));
    const rotate = $('rotate-form');
    $('rotate-open').addEventListener('click', () => { rotate.hidden = !rotate.hidden; });
    $('rotate-cancel').addEventListener('click', () => { rotate.hidden = true; $('rotate-wif').value = ''; });
    rotate.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const wif = $('rotate-wif').value.trim();
      const index = Number($('rotate-index').value);
      const delegation = $('rotate-delegation').value.trim();
      if (!wif || !Number.isInteger(index) || index < 0 || index > 4294967295) {
        SM.flash('Give the derived signing key (WIF) and its key index.', 'error');
        return;
      }
      const body = {signing_key: wif, key_index: index};
      if (delegation) body.delegation = delegation;
      try {
        const r = await SM.authed('POST', '/msg/rotate_key', body);
        $('rotate-wif').value = '';
        rotate.hidden = true;
        SM.flash('Key rotated to index ' + r.key_index + ': signing id ' + r.signing_id, 'ok');
        if (state.tab === 'keys') loadKeys().catch(() => {});
      } catch (e) {
        SM.flash('Rotation failed: ' + SM.describeError(e), 'error');
      }
    });
  }

  // ---- The network, and a follower's missing send box ---------------------------------------

  async function loadHealth() {
    const h = await SM.get('/health');
    SM.showNetwork(h);
    if (typeof h.follower === 'boolean') showFollower(h.follower, h.network);
  }

  // On a follower: no send box, no key rotation, no outbox; #follower-note says why.
  function showFollower(follower, network) {
    const was = state.follower;
    state.follower = follower;
    for (const id of ['send-form', 'private-form', 'rotate-open']) $(id).hidden = follower;
    if (follower) $('rotate-form').hidden = true;
    $('follower-note').hidden = !follower;
    if (typeof network === 'string' && network) SM.setText('follower-net', network);
    if (follower) hideOutbox();
    else if (was === true) refreshOutbox();
  }

  // ---- Outbox ------------------------------------------------------------------------------
  // This node's own messages, from GET /msg/outbox (which needs the token): shown only while a
  // token is kept, refreshed after each send and every OUTBOX_SECONDS. An error is shown in the
  // section as text. Each entry shows its state and, when the node gives them, why it waits
  // ("waiting"), when its share is expected ("eta", seconds from the answer), the last thing
  // that happened to it ("note"), why it failed ("detail") and its fragments.

  const OUTBOX_SECONDS = 10;
  const OUTBOX_SHOWN = 20;
  const outbox = {busy: false, again: false};

  // What each "waiting" value of /msg/outbox says (src/node/outbox.hpp OutboxWait): a label,
  // and a longer explanation on hover. A value not listed is shown as the node gives it.
  const WAITING = {
    next_share: ['goes out in the next share', 'this node\'s next share carries it (or its next fragment)'],
    budget: ['waiting for the message budget',
             'the message budget this node has earned with its shares does not cover it yet'],
    share_limits: ['waiting for room in a share', 'the next share is full (3 messages, 512 bytes, 1024 MWU)'],
    fragments: ['waiting behind a long message', 'a message going out in fragments, one per share, is ahead of it'],
    behind: ['waiting behind an earlier message', 'an entry ahead of it waits, and the order is kept'],
    recipient_unknown: ['waiting for the recipient\'s key',
                        'the recipient has no signing key in the chain\'s window yet'],
    no_sender: ['waiting for a signing key', 'this node has no bound signing key to send with'],
    confirming: ['confirming in the best chain',
                 'in a share of the best chain; watched until that share is below the chain\'s window'],
  };

  // The seconds until `eta`: the node gives seconds from its answer; a value past 1e9 can
  // only be a unix time, and is read as one.
  function etaSeconds(eta, now) {
    const n = Number(eta);
    if (eta === null || eta === undefined || typeof eta === 'boolean' || !isFinite(n)) return undefined;
    return n > 1e9 ? n - now : n;
  }

  function renderOutboxEntry(e, now) {
    const st = String(e.state || '?');
    const f = e.fragments;
    const ts = Number(e.created_at);
    const when = new Date(ts * 1000);
    const waiting = typeof e.waiting === 'string' && e.waiting ? e.waiting : '';
    const label = Object.prototype.hasOwnProperty.call(WAITING, waiting) ? WAITING[waiting] : null;
    const eta = etaSeconds(e.eta, now);
    const note = typeof e.note === 'string' && e.note ? e.note : '';
    return el('li', {'data-hash': e.message_hash || '', 'data-state': st, 'data-waiting': waiting || null},
      el('span', {class: 'hash', title: String(e.message_hash || '')}, SM.shortId(e.message_hash, 8, 4)),
      el('span', {class: 'state state-' + st}, st),
      waiting
        ? el('span', {class: 'waiting waiting-' + (label ? waiting : 'other'), 'data-waiting': waiting,
                      title: label ? label[1] : 'the node says: ' + waiting}, label ? label[0] : waiting)
        : null,
      eta !== undefined
        ? el('span', {class: 'eta', 'data-eta': Math.ceil(eta),
                      title: 'when this node expects a share of its own to carry it'}, SM.inAbout(eta))
        : null,
      f && typeof f === 'object'
        ? el('span', {class: 'fragments'}, 'fragments ' + String(f.sent ?? '?') + '/' + String(f.total ?? '?'))
        : null,
      typeof e.detail === 'string' && e.detail ? el('span', {class: 'detail'}, e.detail) : null,
      note ? el('span', {class: 'note', 'data-note': note, title: 'the last thing that happened to it'}, note) : null,
      ts > 0 && !isNaN(when.getTime())
        ? el('time', {class: 'age', datetime: when.toISOString(), title: when.toLocaleString(), 'data-ts': ts},
             SM.ago(ts))
        : null);
  }

  function hideOutbox() {
    $('outbox-panel').hidden = true;
    $('outbox').replaceChildren();
  }

  async function refreshOutbox() {
    if (!SM.token() || state.follower === true) { hideOutbox(); return; }
    if (outbox.busy) { outbox.again = true; return; }
    outbox.busy = true;
    let error = '';
    try {
      const data = await SM.request('GET', '/msg/outbox', undefined, SM.token());
      if (!SM.token()) return;
      if (!data || typeof data !== 'object') throw new Error('bad response: not a JSON object');
      const entries = Array.isArray(data.entries) ? data.entries.filter((e) => e && typeof e === 'object') : [];
      // Newest first: by creation time, then by the node's order (oldest first).
      const shown = entries.map((e, i) => ({e, i}))
        .sort((a, b) => (Number(b.e.created_at) - Number(a.e.created_at)) || (b.i - a.i))
        .slice(0, OUTBOX_SHOWN).map((x) => x.e);
      const now = Date.now() / 1000;
      $('outbox').replaceChildren(...shown.map((e) => renderOutboxEntry(e, now)));
      $('outbox-empty').hidden = shown.length > 0;
      SM.setText('outbox-summary', '(' + (data.queued ?? '?') + ' queued' +
                 (entries.length > shown.length ? '; newest ' + shown.length + ' of ' + entries.length : '') + ')');
    } catch (e) {
      // A follower has no outbox (its /health may not have been read yet).
      if (e.status === 409 && e.error === 'follower') showFollower(true);
      error = 'Cannot read the outbox: ' + SM.describeError(e);
    } finally {
      if (SM.token() && state.follower !== true) {
        $('outbox-panel').hidden = false;
        $('outbox-error').textContent = error;
        $('outbox-error').hidden = !error;
      } else {
        hideOutbox();
      }
      outbox.busy = false;
      if (outbox.again) {
        outbox.again = false;
        refreshOutbox();
      }
    }
  }

  // ---- Start -------------------------------------------------------------------------------

  const live = new SM.Live({
    onMessage: addLive,
    onResync: () => {
      loadMessages().catch(() => {});
      loadHealth().catch(() => {});
    },
    onState: SM.showConnection,
  });

  document.addEventListener('DOMContentLoaded', () => {
    SM.initTokenForm();
    initCompose();
    BbsMail.init();
    document.querySelectorAll('.tab').forEach((b) =>
      b.addEventListener('click', () => selectTab(b.getAttribute('data-tab'))));
    window.addEventListener('hashchange', () => selectTab(location.hash.slice(1)));
    selectTab(location.hash.slice(1) || 'all');
    loadMessages()
      .catch((e) => SM.flash('Cannot load messages: ' + SM.describeError(e), 'error'))
      .finally(() => live.start());
    loadHealth().catch(() => {});
    setInterval(() => {
      if (live.state !== 'disconnected') loadHealth().catch(() => {});
    }, 10000);
    setInterval(refreshAges, 15000);
    $('token-forget').addEventListener('click', hideOutbox);
    $('token-use').addEventListener('click', () => revealPrivate());
    // A token given or forgotten: messages, stream and outbox again, with or without it.
    SM.onTokenChange(() => {
      loadMessages().catch((e) => SM.flash('Cannot load messages: ' + SM.describeError(e), 'error'));
      live.restart();
      refreshOutbox();
      BbsMail.tokenChanged();
    });
    refreshOutbox();
    setInterval(refreshOutbox, OUTBOX_SECONDS * 1000);
  });
})();

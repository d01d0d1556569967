// Shared by the dashboard (index.html) and the BBS (bbs.html): API calls, the API token,
// message rendering, the EMERGENCY banner and the live connection (the /msg/stream events read
// with fetch(), with a polling fallback).
//
// Every string that comes from a message (payload, sender, ids) is hostile: it reaches the page
// only through textContent or attribute values set with setAttribute, never through innerHTML.
'use strict';

const SM = (() => {
  const TOKEN_KEY = 'sharemsg.api_token';
  const MAX_PAYLOAD = 220;      // bytes of text in one share
  const MAX_FRAGMENTED = 1600;  // bytes of text sent in fragments, one per share ("fragment": true)
  const PRIVATE_OVERHEAD = 28;  // bytes a private message gives to its encryption
  const MAX_AGE = 24 * 3600;  // the store keeps messages for a day; alerts expire with them
  const POLL_SECONDS = 30;
  const HEARTBEAT_SECONDS = 5;
  const STREAM_SILENCE_SECONDS = 45;  // the node sends a keepalive every 15 s

  const TYPE_LABEL = {
    NODE_STATUS: 'status',
    MINER_MESSAGE: 'chat',
    POOL_ANNOUNCE: 'announce',
    VERSION_SIGNAL: 'version',
    MERGED_STATUS: 'merged',
    EMERGENCY: 'EMERGENCY',
    TRANSITION_SIGNAL: 'transition',
  };
  const TYPES = Object.keys(TYPE_LABEL);

  // el('div', {class: 'x', title: t}, child, 'text', ...): text children become text nodes.
  function el(tag, attrs, ...children) {
    const svg = tag.startsWith('svg:');
    const node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
                     : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = String(v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function setText(id, value) {
    const n = $(id);
    if (n) n.textContent = value === undefined || value === null ? '—' : String(value);
  }

  function shortId(s, head = 6, tail = 4) {
    if (!s) return '';
    s = String(s);
    return s.length <= head + tail + 1 ? s : s.slice(0, head) + '…' + s.slice(-tail);
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(Number(seconds) || 0));
    if (seconds < 60) return seconds + 's';
    const m = Math.floor(seconds / 60);
    if (m < 60) return m + 'm';
    const h = Math.floor(m / 60);
    if (h < 48) return h + 'h' + (m % 60 ? ' ' + (m % 60) + 'm' : '');
    const d = Math.floor(h / 24);
    return d + 'd' + (h % 24 ? ' ' + (h % 24) + 'h' : '');
  }

  // A span of seconds to come, for people: "40 s", "12 min", then as duration() does.
  function seconds(n) {
    n = Math.max(0, Math.ceil(Number(n) || 0));
    if (n < 120) return n + ' s';
    if (n < 7200) return Math.round(n / 60) + ' min';
    return duration(n);
  }

  // An estimate of when something happens, given in seconds from now: "in ~40 s".
  function inAbout(n) {
    n = Number(n);
    if (!isFinite(n)) return '';
    return n < 0.5 ? 'any moment now' : 'in ~' + seconds(n);
  }

  function ago(timestamp) {
    const s = Date.now() / 1000 - Number(timestamp);
    if (!isFinite(s)) return '?';
    if (s < 5) return 'just now';
    return duration(s) + ' ago';
  }

  function hashrate(hps) {
    let v = Number(hps);
    if (!isFinite(v) || v < 0) return '?';
    const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
    let i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(2)) + ' ' + units[i];
  }

  function utf8Length(s) { return new TextEncoder().encode(s).length; }

  function parseJson(text) {
    try { return JSON.parse(text); } catch (e) { return undefined; }
  }

  // NODE_STATUS payload {v, up, hr, sc, p, mc, cap} as one readable line; undefined if not JSON.
  function formatStatus(payload) {
    const s = parseJson(payload);
    if (!s || typeof s !== 'object' || Array.isArray(s)) return undefined;
    const parts = [];
    if (s.v !== undefined) parts.push(/^\d/.test(String(s.v)) ? 'v' + s.v : String(s.v));
    if (s.up !== undefined) parts.push('up ' + duration(s.up));
    if (s.hr !== undefined) parts.push(hashrate(s.hr));
    if (s.p !== undefined) parts.push(s.p + (Number(s.p) === 1 ? ' peer' : ' peers'));
    if (s.sc !== undefined) parts.push(s.sc + ' shares');
    if (Array.isArray(s.mc) && s.mc.length) parts.push('merged: ' + s.mc.map(String).join(', '));
    else if (s.mc !== undefined && !Array.isArray(s.mc)) parts.push('merged: ' + String(s.mc));
    if (Array.isArray(s.cap) && s.cap.length) parts.push('cap: ' + s.cap.map(String).join(','));
    return parts.length ? parts.join(' | ') : undefined;
  }

  // TRANSITION_SIGNAL payload {from, to, msg, urg, url?, thr?}.
  function transitionOf(m) {
    if (!m || m.type_name !== 'TRANSITION_SIGNAL') return undefined;
    const t = parseJson(m.payload);
    return t && typeof t === 'object' && !Array.isArray(t) ? t : undefined;
  }

  function formatTransition(payload) {
    const t = parseJson(payload);
    if (!t || typeof t !== 'object') return undefined;
    let s = 'v' + String(t.from) + ' → v' + String(t.to) + ' [' + String(t.urg) + ']';
    if (t.msg !== undefined) s += ' ' + String(t.msg);
    if (t.thr !== undefined) s += ' (threshold ' + String(t.thr) + ')';
    if (t.url !== undefined) s += ' ' + String(t.url);
    return s;
  }

  // The text shown for a message: JSON payloads of known types made readable, the rest as is.
  function messageText(m) {
    if (m.type_name === 'NODE_STATUS') return formatStatus(m.payload) || String(m.payload);
    if (m.type_name === 'TRANSITION_SIGNAL') return formatTransition(m.payload) || String(m.payload);
    return String(m.payload);
  }

  function badge(m) {
    if (m.co_signed && m.verified)
      return el('span', {class: 'badge cosigned',
                         title: 'co-signed by every signer of the authority ' + (m.authority || '?') +
                                ' (MuSig2 aggregate key ' + (m.authority_key || '?') + ')',
                         text: 'co-signed'});
    if (m.protocol_authority && m.verified)
      return el('span', {class: 'badge authority', title: 'signed by a protocol authority key',
                         text: '★authority'});
    if (m.verified)
      return el('span', {class: 'badge verified', title: 'signature verified against the sender\'s registered key',
                         text: '✓verified'});
    return el('span', {class: 'badge unverified',
                       title: m.has_signature ? 'signature not verified' : 'not signed',
                       text: '⚠unverified'});
  }

  // A co-signed message's authority and the short keys of its signers (full keys on hover).
  function cosigners(m) {
    if (!m.co_signed) return null;
    const signers = Array.isArray(m.signers) ? m.signers : [];
    return el('p', {class: 'msg-cosigners dim'},
      el('span', {class: 'authority-name', title: 'authority key ' + (m.authority_key || '?')},
         m.authority || 'unknown authority'),
      ' — signed by ',
      ...signers.flatMap((k, i) => [i ? ', ' : null,
        el('span', {class: 'signer', title: k}, shortId(k, 8, 4))]).filter((x) => x !== null),
      signers.length ? null : '?');
  }

  function sender(m) {
    const full = m.sender_address || m.signing_id;
    if (m.co_signed && m.verified) {
      return el('span', {class: 'sender authority', title: 'co-signed by the authority ' +
                         (m.authority || '?') + ' (' + (m.authority_key || '?') + ')'},
                '[' + (m.authority || 'AUTHORITY') + ']');
    }
    if (m.protocol_authority && m.verified) {
      return el('span', {class: 'sender authority', title: 'signed by a protocol authority key' +
                         (full ? ' (' + full + ')' : '')}, '[AUTHORITY]');
    }
    if (!full) {
      return el('span', {class: 'sender system', title: 'no sender: carried by share ' + (m.share_hash || '?'),
                         text: m.protocol_authority ? '[AUTHORITY]' : '[SYSTEM]'});
    }
    const title = (m.sender_address ? 'address ' + m.sender_address : '') +
                  (m.signing_id ? (m.sender_address ? '\n' : '') + 'signing id ' + m.signing_id : '');
    return el('span', {class: 'sender', title}, shortId(full, 6, 4));
  }

  // Active alarm: an unexpired authority EMERGENCY, or an authority TRANSITION_SIGNAL whose
  // urgency is "required". Unsigned or miner-signed look-alikes never raise the banner.
  function isAlarm(m) {
    if (!m || !m.protocol_authority || !m.verified) return false;
    const age = Date.now() / 1000 - Number(m.timestamp);
    if (!(age < MAX_AGE)) return false;
    if (m.type_name === 'EMERGENCY') return true;
    const t = transitionOf(m);
    return !!t && t.urg === 'required';
  }

  // ---- HTTP --------------------------------------------------------------------------------

  // `error` is the answer's "error" (what went wrong, one of the API's fixed strings), `body`
  // the whole answer object when there is one (a 429 "over budget" carries "retry_after").
  class ApiError extends Error {
    constructor(status, error, detail, body) {
      super(detail ? error + ': ' + detail : error);
      this.status = status;
      this.error = error;
      this.detail = detail;
      this.body = body && typeof body === 'object' ? body : {};
    }
  }

  async function request(method, path, body, token, timeoutMs = 10000) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    const headers = {Accept: 'application/json'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    let res;
    try {
      res = await fetch(path, {method, headers, signal: ctl.signal, cache: 'no-store',
                               body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (e) {
      throw new ApiError(0, 'node not answering', String(e && e.message || e));
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text();
    const json = parseJson(text);
    if (!res.ok) {
      const err = json && typeof json === 'object' ? json : {};
      throw new ApiError(res.status, String(err.error || 'HTTP ' + res.status),
                         String(err.detail || (json ? '' : text.slice(0, 200))), err);
    }
    if (json === undefined) throw new ApiError(res.status, 'bad response', 'not JSON');
    return json;
  }

  // A read. With the kept token, if any: the node shows the text of private messages only to
  // a request with it. A token the node refuses is forgotten and the read made without it.
  async function get(path) {
    const t = token();
    try {
      return await request('GET', path, undefined, t || undefined);
    } catch (e) {
      if (!t || e.status !== 401) throw e;
      forgetToken();
      return request('GET', path);
    }
  }

  // ---- The API token -----------------------------------------------------------------------
  // Asked once, kept in sessionStorage only (gone when the tab closes). The page holds a small
  // form (#token-form) for it: no prompt() dialogs. It goes to the node in the Authorization
  // header only, never in a URL. onTokenChange(f) calls f() once a token is known good (a call
  // with it succeeded) or is forgotten: the pages then read again, with or without it.

  let tokenWaiters = [];
  const tokenListeners = [];

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  function onTokenChange(f) { tokenListeners.push(f); }

  function tokenChanged() {
    for (const f of tokenListeners) {
      try { f(); } catch (e) { /* a listener's own trouble */ }
    }
  }

  function forgetToken() {
    const had = !!token();
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage disabled */ }
    if (had) tokenChanged();
  }

  // Asks for the token to read private messages: checks it with a read that needs it, keeps
  // it, and has the pages read again. Resolves true when the token works.
  async function useToken(reason) {
    let t;
    try { t = await askToken(reason); } catch (e) { return false; }
    try {
      await request('GET', '/msg/outbox', undefined, t);
    } catch (e) {
      // A follower has no outbox: it answers 409 "follower" once the token is accepted.
      if (e.status === 409 && e.error === 'follower') {
        tokenChanged();
        return true;
      }
      if (e.status === 401) {
        forgetToken();
        flash('Wrong API token (HTTP 401). The token is the single line in DATADIR/.cookie on the node.', 'error');
      } else {
        flash('Cannot check the token: ' + describeError(e), 'error');
      }
      return false;
    }
    tokenChanged();
    return true;
  }

  function askToken(reason) {
    const form = $('token-form');
    if (!form) return Promise.reject(new ApiError(401, 'unauthorized', 'this page has no token form'));
    setText('token-reason', reason || 'This action changes the node. Enter its API token.');
    form.hidden = false;
    const input = $('token-input');
    input.value = '';
    input.focus();
    return new Promise((resolve, reject) => tokenWaiters.push({resolve, reject}));
  }

  function initTokenForm() {
    const form = $('token-form');
    if (!form) return;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = $('token-input').value.trim();
      if (!value) return;
      try { sessionStorage.setItem(TOKEN_KEY, value); } catch (e) { /* kept for this call only */ }
      $('token-input').value = '';
      form.hidden = true;
      const w = tokenWaiters;
      tokenWaiters = [];
      w.forEach((x) => x.resolve(value));
    });
    $('token-cancel').addEventListener('click', () => {
      form.hidden = true;
      const w = tokenWaiters;
      tokenWaiters = [];
      w.forEach((x) => x.reject(new ApiError(401, 'cancelled', 'no token given')));
    });
    const forget = $('token-forget');
    if (forget) forget.addEventListener('click', () => { forgetToken(); flash('API token forgotten', 'ok'); });
  }

  // A state-changing call: asks for the token if none is kept; a 401 forgets the kept token
  // and says so (the caller shows the error; the next action asks again).
  async function authed(method, path, body) {
    let t = token();
    const asked = !t;
    if (asked) t = await askToken();
    try {
      const r = await request(method, path, body, t);
      if (asked) tokenChanged();
      return r;
    } catch (e) {
      if (e.status === 401) {
        forgetToken();
        throw new ApiError(401, 'Wrong API token (HTTP 401)',
                           (e.detail ? e.detail + '. ' : '') +
                           'The token is the single line in DATADIR/.cookie on the node; you will be asked again.');
      }
      throw e;
    }
  }

  // A message in the page's status line (#flash): kind ok | error.
  let flashTimer;
  function flash(text, kind) {
    const n = $('flash');
    if (!n) return;
    n.textContent = text;
    n.className = 'flash ' + (kind || 'ok');
    n.hidden = false;
    clearTimeout(flashTimer);
    if (kind !== 'error') flashTimer = setTimeout(() => { n.hidden = true; }, 8000);
  }

  function describeError(e) {
    if (!(e instanceof ApiError)) return String(e && e.message || e);
    if (e.status === 0) return 'The node is not answering (' + e.detail + ')';
    if (e.status === 401) return e.message;
    if (e.status === 409 && e.error === 'follower') return e.detail || 'this node makes no shares (HTTP 409)';
    if (e.status === 429) {
      // Two refusals of /msg/send: the node cannot send it in time by its message budget
      // (and says when to try again), or its outbox holds as many messages as it may.
      if (e.error === 'over budget') {
        const retry = Number(e.body.retry_after);
        return 'Over the message budget: ' +
               (isFinite(retry) && retry >= 0 ? 'try again in ' + seconds(retry) : 'try again later');
      }
      if (e.error === 'queue full') return 'The outbox is full: ' + (e.detail || 'try again after the next shares');
      return 'Refused for now (HTTP 429): ' + e.message;
    }
    return e.message + ' (HTTP ' + e.status + ')';
  }

  // ---- The network and catch-up ------------------------------------------------------------
  // From /health: "network" (its name), "follower" (true: it can never make shares), "mining"
  // (whether it makes shares now)
  // and "sync" {state catching_up | following, shares_known, shares_needed, shares_verified,
  // window, shares_per_second}. Both pages show them in their header (#net-name, #sync-text,
  // #sync-bar); an older node without these fields shows none of it.

  const count = (v) => {
    const n = Number(v);
    return isFinite(n) && n >= 0 ? Math.floor(n) : 0;
  };

  // The line for a sync object: "catching up: 120/800 shares known, 40/400 verified, 3.2
  // shares/s", or "following: 400/400 shares verified".
  function syncText(s) {
    if (!s || typeof s !== 'object') return '';
    const verified = count(s.shares_verified) + '/' + count(s.window);
    if (s.state === 'following') return 'following: ' + verified + ' shares verified';
    const rate = Number(s.shares_per_second);
    return 'catching up: ' + count(s.shares_known) + '/' + count(s.shares_needed) + ' shares known, ' +
           verified + ' verified, ' + (isFinite(rate) && rate >= 0 ? rate.toFixed(1) : '?') + ' shares/s';
  }

  // How far the catch-up is, 0..1: the shares known and verified against what both need.
  function syncFraction(s) {
    const total = count(s.shares_needed) + count(s.window);
    if (!total) return 0;
    return Math.min(1, (Math.min(count(s.shares_known), count(s.shares_needed)) +
                        Math.min(count(s.shares_verified), count(s.window))) / total);
  }

  // Fills the header's network line from a /health answer.
  function showNetwork(h) {
    const line = $('net-line');
    if (!line || !h || typeof h !== 'object') return;
    const hasNet = typeof h.network === 'string' && h.network !== '';
    const s = h.sync && typeof h.sync === 'object' ? h.sync : null;
    line.hidden = !hasNet && !s;
    setText('net-name', hasNet ? h.network : undefined);
    const role = $('net-role');
    if (role) {
      role.textContent = h.follower === true ? '(follower, makes no shares)'
                       : h.mining === true ? '(mining)' : h.mining === false ? '(not mining)' : '';
      role.setAttribute('data-mining', String(h.mining));
      role.setAttribute('data-follower', String(h.follower));
    }
    const box = $('sync');
    if (!box) return;
    box.hidden = !s;
    if (!s) return;
    const st = s.state === 'following' ? 'following' : 'catching_up';
    box.setAttribute('data-state', st);
    setText('sync-text', syncText(s));
    const bar = $('sync-bar');
    if (bar) {
      bar.hidden = st === 'following';
      const f = syncFraction(s);
      bar.value = f;
      bar.textContent = Math.round(f * 100) + '%';
      bar.title = Math.round(f * 100) + '% of the shares the chain\'s window needs, known and verified';
    }
  }

  // ---- The EMERGENCY banner ----------------------------------------------------------------

  // Shows the most pressing alarm among `messages` in #emergency (hidden when there is none).
  function updateBanner(messages) {
    const box = $('emergency');
    if (!box) return;
    // An EMERGENCY before any transition signal, then the newest first.
    const rank = (m) => (m.type_name === 'EMERGENCY' ? 0 : 1);
    const alarms = messages.filter(isAlarm).sort((a, b) => (rank(a) - rank(b)) || (b.timestamp - a.timestamp));
    if (!alarms.length) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const m = alarms[0];
    const t = transitionOf(m);
    const title = m.type_name === 'EMERGENCY' ? 'EMERGENCY' : 'UPGRADE REQUIRED';
    const text = t ? formatTransition(m.payload) : String(m.payload);
    box.replaceChildren(
      el('strong', {class: 'emergency-title'}, '⚠ ' + title),
      ' ',
      el('span', {class: 'emergency-text'}, text),
      ' ',
      el('span', {class: 'emergency-meta'}, '(' + ago(m.timestamp) + ', authority-signed' +
         (alarms.length > 1 ? '; ' + (alarms.length - 1) + ' more' : '') + ')'),
      ' ',
      el('a', {href: '/static/bbs.html#alerts', class: 'emergency-link'}, 'Read on the BBS →'));
    box.hidden = false;
  }

  // ---- Live connection ---------------------------------------------------------------------
  // GET /msg/stream (Server-Sent Events, "message" events carrying a message object), read with
  // fetch() and a ReadableStream rather than EventSource: EventSource cannot send headers, and
  // the node shows private text only to a request with the token in its Authorization header
  // (never in a URL). A stream silent for 45 s (the node sends a keepalive every 15 s) counts as
  // dropped. When the stream drops, poll /msg/recent every 30 s, with a /health check every 5 s
  // in between to tell a live node without a stream from one that stopped answering; while it
  // does not answer, retry with backoff (2 s doubling to 30 s), and back on, resync and reopen
  // the stream. restart() reopens it (after the token changed).

  class Live {
    // onMessage(m) per new message; onResync() after a reconnection (refetch everything);
    // onState(state, detail) with state live | polling | disconnected | connecting.
    constructor({onMessage, onResync, onState}) {
      this.onMessage = onMessage;
      this.onResync = onResync || (() => {});
      this.onState = onState || (() => {});
      this.stream = null;  // the AbortController of the open stream
      this.watchdog = null;
      this.timer = null;
      this.backoff = 2;
      this.state = '';
      this.lastTimestamp = 0;
      this.seen = new Set();
    }

    // Dedupes by message_hash (the stream and polls overlap); true if new.
    accept(m) {
      if (!m || typeof m !== 'object' || !m.message_hash) return false;
      if (this.seen.has(m.message_hash)) return false;
      this.seen.add(m.message_hash);
      if (Number(m.timestamp) > this.lastTimestamp) this.lastTimestamp = Number(m.timestamp);
      return true;
    }

    setState(state, detail) {
      this.state = state;
      this.onState(state, detail || '');
    }

    start() {
      this.openStream();
      // Between polls, a light /health check notices a node that stopped answering.
      setInterval(() => this.heartbeat(), HEARTBEAT_SECONDS * 1000);
    }

    restart() {
      clearTimeout(this.timer);
      this.timer = null;
      this.openStream();
    }

    async heartbeat() {
      if (this.state !== 'polling' || this.checking) return;
      this.checking = true;
      try {
        await request('GET', '/health', undefined, undefined, 5000);
      } catch (e) {
        if (this.state === 'polling') {
          clearTimeout(this.timer);
          this.fallback('node not answering');
        }
      } finally {
        this.checking = false;
      }
    }

    closeStream() {
      clearTimeout(this.watchdog);
      const ctl = this.stream;
      this.stream = null;
      if (ctl) ctl.abort();
    }

    openStream() {
      this.closeStream();
      if (typeof fetch === 'undefined' || typeof ReadableStream === 'undefined' ||
          typeof TextDecoder === 'undefined') {
        return this.fallback('no streaming fetch in this browser');
      }
      this.setState('connecting');
      const ctl = new AbortController();
      this.stream = ctl;
      this.readStream(ctl);
    }

    // Aborts the stream after STREAM_SILENCE_SECONDS without a byte.
    feed(ctl) {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => { if (this.stream === ctl) ctl.abort(); },
                                 STREAM_SILENCE_SECONDS * 1000);
    }

    async readStream(ctl) {
      const headers = {Accept: 'text/event-stream'};
      const t = token();
      if (t) headers.Authorization = 'Bearer ' + t;
      let reason = 'stream dropped';
      try {
        const res = await fetch('/msg/stream', {headers, signal: ctl.signal, cache: 'no-store'});
        if (res.status === 401 && t) {
          forgetToken();  // the pages read again without it
          if (this.stream === ctl) this.openStream();
          return;
        }
        if (!res.ok || !res.body) {
          reason = 'stream refused (HTTP ' + res.status + ')';
          throw new Error(reason);
        }
        if (this.stream !== ctl) return;
        this.backoff = 2;
        clearTimeout(this.timer);
        this.timer = null;
        this.setState('live');
        this.feed(ctl);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done || this.stream !== ctl) break;
          this.feed(ctl);
          buf += decoder.decode(value, {stream: true});
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            this.onEvent(buf.slice(0, end));
            buf = buf.slice(end + 2);
          }
        }
      } catch (e) { /* dropped, refused or aborted: below */ }
      if (this.stream !== ctl) return;  // closed on purpose
      this.stream = null;
      clearTimeout(this.watchdog);
      this.fallback(reason);
    }

    // One event block (the node writes "\n" line ends): "message" events carry a message.
    onEvent(block) {
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;  // a comment: the keepalive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (event !== 'message' || !data.length) return;
      const m = parseJson(data.join('\n'));
      if (m && this.accept(m)) this.onMessage(m);
    }

    async fallback(reason) {
      clearTimeout(this.timer);
      let healthy = false;
      try {
        await request('GET', '/health', undefined, undefined, 5000);
        healthy = true;
      } catch (e) { /* not answering */ }
      if (this.stream) return;  // reopened meanwhile
      if (healthy) {
        const recovered = this.wasDown;
        this.backoff = 2;
        if (!recovered) this.setState('polling', reason);
        try { await this.poll(); } catch (e) { /* next round */ }
        // Back after an outage: the stream again at once. Otherwise poll, and try the
        // stream again at the next round.
        if (recovered) return this.openStream();
        this.timer = setTimeout(() => this.retryStream(), POLL_SECONDS * 1000);
      } else {
        this.setState('disconnected', 'retrying in ' + this.backoff + ' s');
        this.timer = setTimeout(() => this.fallback(reason), this.backoff * 1000);
        this.backoff = Math.min(POLL_SECONDS, this.backoff * 2);
        this.wasDown = true;
      }
    }

    async retryStream() {
      try { await this.poll(); } catch (e) { /* fallback below decides */ }
      this.openStream();
    }

    async poll() {
      if (this.wasDown) {
        this.wasDown = false;
        this.onResync();
      }
      const since = Math.max(0, Math.floor(this.lastTimestamp) - 1);
      const data = await get('/msg/recent?limit=200' + (since ? '&since=' + since : ''));
      const fresh = (data.messages || []).filter((m) => this.accept(m));
      fresh.sort((a, b) => a.timestamp - b.timestamp).forEach((m) => this.onMessage(m));
    }
  }

  // The connection indicator (#conn): "● live", "● polling every 30 s", "● disconnected, retrying".
  function showConnection(state, detail) {
    const n = $('conn');
    if (!n) return;
    const text = {
      live: '● live',
      connecting: '● connecting…',
      polling: '● polling every ' + POLL_SECONDS + ' s',
      disconnected: '● disconnected, retrying',
    }[state] || state;
    n.textContent = text;
    n.setAttribute('data-state', state);
    n.title = detail || '';
    document.body.classList.toggle('offline', state === 'disconnected');
  }

  return {
    TYPES, TYPE_LABEL, MAX_PAYLOAD, MAX_FRAGMENTED, PRIVATE_OVERHEAD, POLL_SECONDS, el, $, setText,
    shortId, duration, seconds, inAbout, ago, hashrate, utf8Length, parseJson, formatStatus, formatTransition,
    messageText, badge, cosigners, sender, isAlarm, request, get, authed, askToken, token, forgetToken,
    onTokenChange, useToken, initTokenForm, flash, describeError, updateBanner, Live,
    showConnection, ApiError, syncText, showNetwork, ENCRYPTED: '[encrypted]',
  };
})();

// The browser client in real Chromium against a real cluster through nginx: a WebSocket page
// and a Comet page see each other with the same seqs, a page whose node is killed resumes
// with no gap or duplicate, a late page replays the history, and the page holds up on a
// phone-sized screen with the device's location. Run by ctest as `browser_client`.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { startCluster } from './cluster.mjs';

const WAIT_MS = 20000;
const SCREENSHOT_DIR = process.env.DUPLEX_SCREENSHOT_DIR ?? path.resolve('screenshots');

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// Counts, in the page itself, the long polls (subscribe with a clientId) in flight, so the
// one-poll rule is checked below the transport's own bookkeeping.
function countPolls() {
  const original = window.fetch;
  window.pollAudit = { inFlight: 0, max: 0, total: 0 };
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const isPoll = url.includes('/xhr/subscribe') && url.includes('clientId=');
    if (!isPoll) return original(input, init);
    window.pollAudit.inFlight += 1;
    window.pollAudit.total += 1;
    window.pollAudit.max = Math.max(window.pollAudit.max, window.pollAudit.inFlight);
    try {
      const response = await original(input, init);
      await response.clone().text();
      return response;
    } finally {
      window.pollAudit.inFlight -= 1;
    }
  };
}

// Pixels of the map in the WebSocket and the Comet colour. A dot is a filled circle of
// radius 7 CSS px, about 150 pixels at full colour; truthy once both colours show a dot.
function countDotPixels() {
  const canvas = document.getElementById('map');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const style = getComputedStyle(canvas);
  const rgb = (name) => [1, 3, 5].map((i) => parseInt(style.getPropertyValue(name).trim().slice(i, i + 2), 16));
  const near = (i, c) => Math.abs(data[i] - c[0]) < 8 && Math.abs(data[i + 1] - c[1]) < 8 && Math.abs(data[i + 2] - c[2]) < 8;
  const ws = rgb('--ws');
  const comet = rgb('--comet');
  let wsPixels = 0;
  let cometPixels = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (near(i, ws)) wsPixels += 1;
    else if (near(i, comet)) cometPixels += 1;
  }
  return wsPixels >= 80 && cometPixels >= 80 ? { wsPixels, cometPixels } : false;
}

async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  await context.addInitScript(countPolls);
  context.requests = [];
  context.on('request', (r) => context.requests.push(r.url()));
  return context;
}

// Keeps every text the page's status line shows from now on, in window.statusTexts.
function recordStatusTexts(page) {
  return page.evaluate(() => {
    window.statusTexts = [];
    const status = document.getElementById('status');
    new MutationObserver(() => window.statusTexts.push(status.textContent))
      .observe(status, { childList: true, characterData: true, subtree: true });
  });
}

// Runs body(cluster, context) against a cluster and a browser context of its own, both
// closed afterwards whatever happens (the cluster's processes checked gone).
async function withCluster(clusterArgs, contextOptions, body) {
  const cluster = await startCluster(clusterArgs);
  const context = await newContext(contextOptions);
  try {
    await body(cluster, context);
  } finally {
    await context.close();
    await cluster.stop();
  }
}

async function openClient(context, cluster, params) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  const query = new URLSearchParams({ interval: '250', source: 'sim', join: '1', ...params });
  await page.goto(`${cluster.url}?${query}`);
  await page.waitForFunction(() => window.duplex?.state === 'open', null, { timeout: WAIT_MS });
  return page;
}

const probe = (page) => page.evaluate(() => ({
  clientId: duplex.clientId, node: duplex.node, state: duplex.state, lastSeq: duplex.lastSeq,
  duplicates: duplex.duplicates, holes: duplex.holes, gaps: duplex.gaps, arrivals: duplex.arrivals,
  states: duplex.states, maxPollsInFlight: duplex.maxPollsInFlight, pollAudit: window.pollAudit,
})).then((p) => ({ ...p, arrivals: p.arrivals }));

// The seqs of the page's event log, oldest first.
const logSeqs = (page) => page.$$eval('#log li[data-seq]', (items) => items.map((li) => Number(li.dataset.seq)).reverse());
const logText = (page, seq) => page.$eval(`#log li[data-seq="${seq}"] .text`, (e) => e.textContent);
const clientLine = (page, name) => page.evaluate((n) => [...document.querySelectorAll('#clients li')]
  .map((li) => li.textContent).find((t) => t.startsWith(`${n} `)) ?? '', name);

async function waitForArrivals(page, count) {
  await page.waitForFunction((n) => duplex.arrivals.length >= n, count, { timeout: WAIT_MS });
}

function assertContiguous(seqs, what) {
  assert.ok(seqs.length > 0, `${what}: no events`);
  for (let i = 1; i < seqs.length; i += 1) {
    assert.equal(seqs[i], seqs[i - 1] + 1, `${what}: seq ${seqs[i - 1]} is followed by ${seqs[i]}`);
  }
}

function assertCleanStream(p, what) {
  assert.equal(p.duplicates, 0, `${what}: duplicates`);
  assert.deepEqual(p.holes, [], `${what}: seqs skipped without a gap event`);
  assert.deepEqual(p.gaps, [], `${what}: gap events`);
  assertContiguous(p.arrivals.map((x) => x.seq), `${what} arrivals`);
}

const key = (x) => `${x.type}/${x.from}/${x.mid}`;

// Every event `b` received within `a`'s range of seqs is in `a` with the same seq.
function assertSameEvents(a, b, what) {
  const first = a.arrivals[0].seq;
  const last = a.arrivals.at(-1).seq;
  const bySeq = new Map(a.arrivals.map((x) => [x.seq, key(x)]));
  let compared = 0;
  for (const x of b.arrivals) {
    if (x.seq < first || x.seq > last) continue;
    assert.equal(bySeq.get(x.seq), key(x), `${what}: seq ${x.seq}`);
    compared += 1;
  }
  return compared;
}

describe('browser client', { timeout: 120000 }, () => {
  test('a WebSocket page and a Comet page see each other move, with the same seqs', async () => withCluster([], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'pair', name: 'Alice' });
    const bob = await openClient(context, cluster, { transport: 'comet', channel: 'pair', name: 'Bob' });

    // Each sees the other appear on the list and on the map, then move.
    for (const [page, other, label] of [[alice, 'Bob', 'Comet'], [bob, 'Alice', 'WebSocket']]) {
      await page.waitForFunction(([n, l]) => [...document.querySelectorAll('#clients li')]
        .some((li) => li.textContent.startsWith(`${n} — ${l}`) && li.textContent.includes(', at ')), [other, label], { timeout: WAIT_MS });
      const before = await clientLine(page, other);
      await page.waitForFunction(([n, b]) => [...document.querySelectorAll('#clients li')]
        .some((li) => li.textContent.startsWith(`${n} `) && li.textContent !== b), [other, before], { timeout: WAIT_MS });
    }
    // Both dots are drawn on both maps. A page in a background tab does not animate, as
    // in any browser, so each is brought to the front first.
    for (const page of [alice, bob]) {
      await page.bringToFront();
      const drawn = await page.waitForFunction(countDotPixels, null, { timeout: WAIT_MS }).catch(() => null);
      assert.ok(drawn, `both dots drawn: ${JSON.stringify(await page.evaluate(countDotPixels))}`);
    }

    await waitForArrivals(alice, 30);
    await waitForArrivals(bob, 30);
    const a = await probe(alice);
    const b = await probe(bob);
    assertCleanStream(a, 'WebSocket page');
    assertCleanStream(b, 'Comet page');
    // The same event has the same seq on both pages, for both senders.
    const compared = assertSameEvents(a, b, 'Comet page against WebSocket page');
    assert.ok(compared >= 20, `only ${compared} events compared`);
    for (const id of [a.clientId, b.clientId]) {
      assert.ok(a.arrivals.some((x) => x.type === 'message' && x.from === id), `WebSocket page got ${id}'s messages`);
      assert.ok(b.arrivals.some((x) => x.type === 'message' && x.from === id), `Comet page got ${id}'s messages`);
    }
    // The visible logs agree too: same seq, same line.
    const shared = (await logSeqs(alice)).filter((s) => new Set(b.arrivals.map((x) => x.seq)).has(s)).slice(-10);
    for (const seq of shared) assert.equal(await logText(alice, seq), await logText(bob, seq), `log line of seq ${seq}`);

    assert.ok(b.pollAudit.total >= 5, `the Comet page polled: ${JSON.stringify(b.pollAudit)}`);
    assert.equal(b.pollAudit.max, 1, 'never more than one poll in flight');
    assert.equal(b.maxPollsInFlight, 1);

    // Bad input from elsewhere (wscat-style text, an impossible position, markup in a
    // name) is logged as text and does not break the page or put a dot on the map.
    await alice.evaluate((url) => new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}ws/?channel=pair`);
      ws.onopen = () => {
        ws.send('Hello from wscat');
        ws.send(JSON.stringify({ type: 'publish', data: { kind: 'position', name: 'Far', lat: 999, lon: 0 } }));
        ws.send(JSON.stringify({ type: 'publish', data: { kind: 'position', name: '<img src=x onerror=alert(1)>', lat: 59.9391, lon: 30.3159 }, id: 'last' }));
      };
      ws.onmessage = (e) => { if (JSON.parse(e.data).type === 'ack') { ws.close(); resolve(); } };
      ws.onerror = () => reject(new Error('raw WebSocket failed'));
    }), cluster.url);
    for (const page of [alice, bob]) {
      await page.waitForFunction(() => document.getElementById('log').textContent.includes('"Hello from wscat"'), null, { timeout: WAIT_MS });
      await page.waitForFunction(() => document.getElementById('clients').textContent.includes('<img src=x onerror=alert(1)>'), null, { timeout: WAIT_MS });
      assert.equal(await page.$$eval('#log img, #clients img', (x) => x.length), 0, 'markup shown as text');
      assert.equal(await clientLine(page, 'Far'), '', 'an impossible position is not on the map');
      assert.deepEqual(page.errors, []);
    }

    // Nothing left loopback: no CDN, no fonts, no telemetry.
    for (const url of context.requests) assert.equal(new URL(url).hostname, '127.0.0.1', url);
  }));

  test('a page whose WebSocket node is killed resumes on the other one with no gap or duplicate', async () => withCluster([], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'kill', name: 'Alice' });
    const bob = await openClient(context, cluster, { transport: 'comet', channel: 'kill', name: 'Bob' });
    await waitForArrivals(alice, 20);
    await recordStatusTexts(alice);
    const dead = (await probe(alice)).node;
    cluster.kill(dead);

    await alice.waitForFunction((d) => duplex.state === 'open' && duplex.node && duplex.node !== d, dead, { timeout: WAIT_MS });
    const texts = await alice.evaluate(() => window.statusTexts);
    assert.ok(texts.some((t) => t.startsWith('Reconnecting…')), `showed reconnecting: ${texts.join(' | ')}`);
    assert.match(texts.at(-1), /^Resumed on ws-\d, \d+ events? caught up$/);
    assert.notEqual(await alice.evaluate(() => duplex.node), dead);

    // Keep going after the resume, then compare with the Comet page, which was not touched.
    const resumedAt = (await probe(alice)).arrivals.length;
    await waitForArrivals(alice, resumedAt + 20);
    const a = await probe(alice);
    const b = await probe(bob);
    assert.ok(a.states.includes('reconnecting'), a.states.join(','));
    assertCleanStream(a, 'the resumed page');
    assertCleanStream(b, 'the Comet page');
    assertContiguous(await logSeqs(alice), 'the resumed page\'s log');
    const compared = assertSameEvents(a, b, 'resumed page against Comet page');
    assert.ok(compared >= 20, `only ${compared} events compared`);
    assertContiguous(await logSeqs(bob), 'the Comet page\'s log');
    // Bob's messages sent while Alice was away are all there.
    const bobsSeqs = b.arrivals.filter((x) => x.from === b.clientId && x.seq > a.arrivals[0].seq && x.seq <= a.lastSeq).map((x) => x.seq);
    const alicesSeqs = new Set(a.arrivals.map((x) => x.seq));
    assert.deepEqual(bobsSeqs.filter((s) => !alicesSeqs.has(s)), []);
    assert.deepEqual(alice.errors, []);

    // Then the Comet node Bob polls: nginx sends his poll to the other Comet node (no
    // reconnect is needed: the poll carries his since), and the page shows the move.
    const deadComet = b.node;
    cluster.kill(deadComet);
    await bob.waitForFunction((d) => duplex.state === 'open' && duplex.node && duplex.node !== d, deadComet, { timeout: WAIT_MS });
    assert.match(await bob.$eval('#status', (e) => e.textContent), /^Resumed on comet-\d, \d+ events? caught up$/);
    const bobResumedAt = (await probe(bob)).arrivals.length;
    await waitForArrivals(bob, bobResumedAt + 20);
    const b2 = await probe(bob);
    const a2 = await probe(alice);
    assertCleanStream(b2, 'the resumed Comet page');
    assertCleanStream(a2, 'the WebSocket page');
    assert.ok(assertSameEvents(b2, a2, 'resumed Comet page against WebSocket page') >= 40);
    assert.equal(b2.pollAudit.max, 1, 'one poll in flight, through the failover too');
  }));

  test('a Comet page with no Comet node left retries, then resumes when one is back', async () => withCluster(['--restart'], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'outage', name: 'Alice' });
    const bob = await openClient(context, cluster, { transport: 'comet', channel: 'outage', name: 'Bob' });
    await waitForArrivals(bob, 20);
    await recordStatusTexts(bob);
    // Both Comet nodes at once: nginx has nowhere to send the poll, the page gets errors
    // and backs off until duplexctl --restart has a node up again.
    cluster.kill('comet-1');
    cluster.kill('comet-2');
    await bob.waitForFunction(() => window.statusTexts.some((t) => t.startsWith('Reconnecting…')), null, { timeout: WAIT_MS });
    await bob.waitForFunction(() => duplex.state === 'open' && /^Resumed on comet-\d, \d+ events? caught up$/.test(document.getElementById('status').textContent), null, { timeout: WAIT_MS });
    const resumedAt = (await probe(bob)).arrivals.length;
    await waitForArrivals(bob, resumedAt + 20);
    const a = await probe(alice);
    const b = await probe(bob);
    assert.ok(b.states.includes('reconnecting'), b.states.join(','));
    assertCleanStream(b, 'the Comet page');
    assertCleanStream(a, 'the WebSocket page');
    // Everything Alice published while Bob had no node reached him afterwards.
    assert.ok(assertSameEvents(b, a, 'Comet page against WebSocket page') >= 40);
    assert.equal(b.pollAudit.max, 1, 'one poll in flight, through the retries too');
    assert.deepEqual(bob.errors, []);
  }));

  test('a page that asks for more than the cluster holds is told what it missed', async () => withCluster(['--history', '20'], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'short', name: 'Alice' });
    await waitForArrivals(alice, 40);
    for (const transport of ['ws', 'comet']) {
      const late = await openClient(context, cluster, { transport, channel: 'short', name: `Late ${transport}`, since: '0' });
      const notice = await late.$eval('#notice', (e) => (e.hidden ? '' : e.textContent));
      const match = notice.match(/^Gap: events 1–(\d+) were lost \(the cluster no longer holds them\)\.$/);
      assert.ok(match, `notice: ${notice}`);
      const c = await probe(late);
      assert.deepEqual(c.gaps, [{ from: 1, to: Number(match[1]) }]);
      assert.equal(c.arrivals[0].seq, Number(match[1]) + 1, 'the stream goes on right after the gap');
      assert.equal(c.duplicates, 0);
      assert.deepEqual(c.holes, []);
      assertContiguous(c.arrivals.map((x) => x.seq), `late ${transport} page`);
      assert.equal(await late.$eval('#log li[data-type="gap"] .text', (e) => e.textContent), `events 1–${match[1]} lost: no longer held by the cluster`);
      assert.match(await late.$eval('#checks', (e) => e.textContent), /^0 duplicates, 0 holes, 1 gaps$/);
    }
  }));

  test('a late page replays the history the cluster holds, over either transport; a Comet page leaves at once', async () => withCluster([], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'history', name: 'Alice' });
    const bob = await openClient(context, cluster, { transport: 'comet', channel: 'history', name: 'Bob' });
    await waitForArrivals(bob, 15);
    // Alice leaves with the keyboard: focus the button, press Enter.
    await alice.focus('#join');
    await alice.keyboard.press('Enter');
    await alice.waitForFunction(() => duplex.state === 'idle', null, { timeout: WAIT_MS });
    const a = await probe(alice);
    const aliceId = (await alice.evaluate(() => duplex.arrivals.find((x) => x.type === 'join').from));
    await bob.waitForFunction((id) => duplex.arrivals.some((x) => x.type === 'leave' && x.from === id), aliceId, { timeout: WAIT_MS });

    const latePages = {};
    for (const [transport, name] of [['ws', 'Carol'], ['comet', 'Dave']]) {
      const heldBefore = (await probe(bob)).lastSeq;
      const late = await openClient(context, cluster, { transport, channel: 'history', name, since: '0' });
      const status = await late.$eval('#status', (e) => e.textContent);
      const match = status.match(/^Joined on (ws|comet)-\d, (\d+) events of history replayed$/);
      assert.ok(match, status);
      const replayed = Number(match[2]);
      const b = await probe(bob);
      const c = await probe(late);
      // Everything the channel held when the page opened came first: seqs 1..replayed.
      assert.ok(replayed >= heldBefore, `replayed ${replayed}, the channel held ${heldBefore}`);
      assert.equal(c.arrivals[0].seq, 1, `${name} starts at seq 1`);
      assert.equal(c.arrivals[replayed - 1]?.seq, replayed);
      assert.equal(c.arrivals[0].type, 'join');
      assert.equal(c.arrivals[0].from, aliceId);
      assertCleanStream(c, `${name}'s page`);
      const comparedB = assertSameEvents(c, b, `${name} against Bob`);
      const comparedA = assertSameEvents(c, a, `${name} against Alice`);
      assert.ok(comparedA >= 10 && comparedB >= 10, `compared ${comparedA} and ${comparedB}`);
      // Alice is on the late page's map, marked as gone; Bob is there.
      await late.waitForFunction(() => /^Alice — WebSocket, left, at /.test([...document.querySelectorAll('#clients li')]
        .map((li) => li.textContent).find((t) => t.startsWith('Alice ')) ?? ''), null, { timeout: WAIT_MS });
      assert.match(await clientLine(late, 'Bob'), /^Bob — Comet \(long polling\), at /);
      assert.deepEqual(late.errors, []);
      latePages[name] = late;
    }
    // A Comet page that leaves says so (POST /xhr/leave): the others see it go at once,
    // not after the twice-the-hold-time (50 s) an idle Comet client takes.
    await latePages.Dave.click('#join');
    await latePages.Carol.waitForFunction(() => [...document.querySelectorAll('#clients li')]
      .some((li) => /^Dave — Comet \(long polling\), left, at /.test(li.textContent)), null, { timeout: WAIT_MS });
  }));

  test('on a phone-sized screen, with the location permitted, the page sends the device\'s position', async () => withCluster([], {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    geolocation: { latitude: 48.8584, longitude: 2.2945 }, permissions: ['geolocation'],
  }, async (cluster, phone) => {
    const eve = await openClient(phone, cluster, { transport: 'comet', channel: 'phone', name: 'Eve', source: 'auto' });
    await eve.waitForFunction(() => document.getElementById('source-note').textContent === 'Position: this device\'s location.', null, { timeout: WAIT_MS });
    await eve.waitForFunction(() => [...document.querySelectorAll('#clients li')]
      .some((li) => li.textContent === 'Eve (you) — Comet (long polling), at 48.85840, 2.29450'), null, { timeout: WAIT_MS });
    await eve.waitForFunction(() => /^\d+ ms \(median \d+, mean \d+\)$/.test(document.getElementById('latency').textContent), null, { timeout: WAIT_MS });
    const layout = await eve.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      unlabelled: [...document.querySelectorAll('input, select')].filter((e) => !e.labels?.length).map((e) => e.outerHTML),
    }));
    assert.equal(layout.overflow, 0, 'no sideways scrolling');
    assert.deepEqual(layout.unlabelled, []);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await eve.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-client-phone.png'), fullPage: false });
    assert.deepEqual(eve.errors, []);

    // The form refuses what the contract would: a bad channel, an empty name.
    const form = await phone.newPage();
    await form.goto(cluster.url);
    await form.fill('#channel', 'a/b');
    await form.click('#join');
    assert.equal(await form.getAttribute('#channel', 'aria-invalid'), 'true');
    assert.notEqual(await form.$eval('#channel', (e) => e.validationMessage), '');
    assert.equal(await form.evaluate(() => duplex.state), 'idle');
    await form.fill('#channel', 'phone');
    await form.fill('#name', '   ');
    await form.click('#join');
    assert.equal(await form.$eval('#name', (e) => e.validationMessage), 'Enter a name the others will see.');
    assert.equal(await form.getAttribute('#name', 'aria-invalid'), 'true');
    assert.equal(await form.evaluate(() => duplex.state), 'idle');
    await form.fill('#name', 'Fay');
    await form.click('#join');
    await form.waitForFunction(() => duplex.state === 'open', null, { timeout: WAIT_MS });
  }));

  test('screenshot: three users on the map', async () => withCluster([], {}, async (cluster, context) => {
    const alice = await openClient(context, cluster, { transport: 'ws', channel: 'main', name: 'Alice' });
    await openClient(context, cluster, { transport: 'comet', channel: 'main', name: 'Bob' });
    await openClient(context, cluster, { transport: 'ws', channel: 'main', name: 'Carol' });
    await waitForArrivals(alice, 150);
    await alice.bringToFront();
    await alice.waitForFunction(countDotPixels, null, { timeout: WAIT_MS });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, 'web-client.png');
    await alice.screenshot({ path: file });
    assertCleanStream(await probe(alice), 'Alice');
  }));
});

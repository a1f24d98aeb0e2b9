// The gateway's dashboard and player: plain ES module, no build step. It reads /status
// (polled every 2 s while the tab is visible) and /channels.json, and plays through
// mpegts.js (MPEG-TS over HTTP into Media Source), hls.js (the gateway's HLS) or the
// browser's own HLS. Everything the channels file or the engine says is written with
// textContent, never as HTML. With an access token in the page's URL, the token is added
// to every URL this script asks for, and to no other place.

const POLL_MS = 2000;
/** Points kept per stream chart: five minutes at one poll each 2 s. */
const HISTORY = 150;

const params = new URLSearchParams(location.search);
const token = params.get('token');

/** `path` on this gateway, with the token when the page has one. */
function api(path) {
  if (token === null) return path;
  const url = new URL(path, location.origin);
  url.searchParams.set('token', token);
  return url.pathname + url.search;
}

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

// ---- human units ---------------------------------------------------------------------

/** 2.4 Mbit/s */
function formatBitrate(bitsPerSecond) {
  if (!Number.isFinite(bitsPerSecond) || bitsPerSecond < 0) return '–';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let v = bitsPerSecond;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 1.2 GB */
function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** 3 min, 2 h 5 min, 4 days */
function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/** 3 min ago */
function formatAgo(ms) {
  return ms < 5000 ? 'just now' : `${formatDuration(ms)} ago`;
}

// ---- scripts of the libraries, loaded when first needed ------------------------------------

const scripts = new Map();
function loadScript(name) {
  let p = scripts.get(name);
  if (p === undefined) {
    p = new Promise((resolve, reject) => {
      const s = el('script', { src: api(`/ui/${name}`) });
      s.addEventListener('load', () => resolve());
      s.addEventListener('error', () => {
        scripts.delete(name);
        reject(new Error(`could not load ${name}`));
      });
      document.head.append(s);
    });
    scripts.set(name, p);
  }
  return p;
}

// ---- state -----------------------------------------------------------------------------

/** @type {{slug: string, name: string, number: number, logo?: string, group?: string, sources: number, urls: {ts: string, m3u8: string}}[]} */
let channels = [];
const channelBySlug = new Map();
let lastStatus;
let lastStatusAt = 0;
let statusError;

// ---- the channels --------------------------------------------------------------------------

function initials(name) {
  const words = name.replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? '?').slice(0, 2)).toUpperCase();
}

function logoOf(channel) {
  const box = el('span', { class: 'logo', 'aria-hidden': 'true' });
  const fallback = () => {
    box.replaceChildren(el('span', { class: 'initials', text: initials(channel.name) }));
  };
  if (channel.logo && /^(https?:|data:image\/)/i.test(channel.logo)) {
    const img = el('img', { src: channel.logo, alt: '', loading: 'lazy', decoding: 'async', width: 48, height: 48, referrerpolicy: 'no-referrer' });
    img.addEventListener('error', fallback);
    box.append(img);
  } else fallback();
  return box;
}

function renderChannels() {
  const root = $('channels');
  $('channels-count').textContent = channels.length === 0 ? '' : `(${channels.length})`;
  $('channels-empty').hidden = channels.length > 0;
  const groups = new Map();
  for (const c of channels) {
    const g = c.group ?? 'Other';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(c);
  }
  const named = groups.size > 1 || !groups.has('Other');
  root.replaceChildren(
    ...[...groups].map(([group, list]) =>
      el(
        'div',
        { class: 'group' },
        named ? el('h3', { text: group }) : null,
        el(
          'ul',
          { class: 'tiles' },
          ...list.map((c) =>
            el(
              'li',
              {},
              el(
                'a',
                {
                  class: 'tile',
                  href: api(`/watch?channel=${encodeURIComponent(c.slug)}`),
                  'data-slug': c.slug,
                  title: `${c.name}${c.sources > 1 ? ` (${c.sources} sources)` : ''}`,
                  onclick: (e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    navigate({ channel: c.slug });
                  },
                },
                logoOf(c),
                el('span', { class: 'tile-text' }, el('span', { class: 'tile-name', text: c.name }), el('span', { class: 'tile-meta', text: `No. ${c.number}${c.sources > 1 ? ` · ${c.sources} sources` : ''}` })),
                el('span', { class: 'live-dot', title: 'running', 'aria-label': 'running' }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  markRunning();
}

function markRunning() {
  const running = new Set((lastStatus?.streams ?? []).map(channelOf).filter(Boolean));
  for (const tile of document.querySelectorAll('.tile')) tile.classList.toggle('running', running.has(tile.dataset.slug));
}

async function loadChannels() {
  try {
    const res = await fetch(api('/channels.json'), { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    channels = (await res.json()).channels ?? [];
  } catch {
    channels = [];
  }
  channelBySlug.clear();
  for (const c of channels) channelBySlug.set(c.slug, c);
  renderChannels();
}

// ---- the running streams ---------------------------------------------------------------

/** Per stream key: its card, chart and history. */
const cards = new Map();

function themeColour(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function contentOfKey(key) {
  const i = key.indexOf(':');
  const kind = key.slice(0, i);
  return kind === 'id' || kind === 'infohash' || kind === 'channel' ? { [kind]: key.slice(i + 1) } : undefined;
}

/** The channel a stream plays: its `channel` field, or its key `channel:<slug>`. */
function channelOf(stream) {
  return stream.channel ?? (stream.key.startsWith('channel:') ? stream.key.slice('channel:'.length) : undefined);
}

function titleOf(stream) {
  const slug = channelOf(stream);
  const c = slug === undefined ? undefined : channelBySlug.get(slug);
  if (c !== undefined) return c.name;
  return stream.key;
}

function newCard(stream) {
  const fields = {};
  const field = (name, label, span) => {
    fields[name] = el('dd', { text: '–' });
    return el('div', { class: span ? `field ${span}` : 'field' }, el('dt', { text: label }), fields[name]);
  };
  const chartBox = el('div', { class: 'chart' });
  const title = el('h3', { class: 'card-title' });
  const state = el('span', { class: 'badge' });
  const watch = el('a', { class: 'button', text: 'Watch' });
  const sources = el('ul', { class: 'sources' });
  const node = el(
    'article',
    { class: 'card', 'data-key': stream.key },
    el('header', { class: 'card-head' }, title, state, watch),
    el('dl', { class: 'fields' }, field('viewers', 'Viewers'), field('peers', 'Peers'), field('down', 'Download'), field('bitrate', 'Bitrate'), field('uptime', 'Up for'), field('bytes', 'In / out'), field('engine', 'Engine', 'wide'), field('source', 'Source', 'full')),
    sources,
    chartBox,
  );
  const card = { node, fields, title, state, watch, sources, chartBox, chart: undefined, hist: [[], [], []], last: undefined };
  cards.set(stream.key, card);
  return card;
}

function makeChart(card) {
  if (card.chart !== undefined || typeof uPlot === 'undefined') return;
  const width = Math.max(200, card.chartBox.clientWidth);
  const text = themeColour('--muted', '#888');
  const grid = themeColour('--grid', 'rgba(128,128,128,.2)');
  const axis = (scale, side, label, values) => ({ scale, side, label, labelSize: 16, labelFont: '11px system-ui, sans-serif', stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 40, values });
  card.chart = new uPlot(
    {
      width,
      height: 140,
      legend: { show: true, live: false },
      cursor: { show: false },
      // A fixed five-minute window ending now: the chart does not rescale as points come.
      scales: { x: { time: true, range: (_u, _min, max) => [max - (HISTORY * POLL_MS) / 1000, max] }, b: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] }, p: { auto: true, range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
      series: [
        {},
        { label: 'Mbit/s', scale: 'b', stroke: themeColour('--accent', '#3b82f6'), width: 2, fill: themeColour('--accent-fill', 'rgba(59,130,246,.12)'), value: (_u, v) => (v == null ? '–' : v.toFixed(1)) },
        { label: 'Peers', scale: 'p', stroke: themeColour('--peers', '#f59e0b'), width: 2, value: (_u, v) => (v == null ? '–' : String(v)) },
      ],
      axes: [
        { stroke: text, grid: { show: false }, ticks: { stroke: grid }, size: 30 },
        axis('b', 3, 'Mbit/s', (_u, ticks) => ticks.map((t) => `${t}`)),
        axis('p', 1, 'peers', (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `${t}` : ''))),
      ],
    },
    card.hist,
    card.chartBox,
  );
}

function sourceText(source) {
  if (source === undefined || source === null) return undefined;
  return `${source.kind}:${String(source.value).length > 16 ? `${String(source.value).slice(0, 16)}…` : source.value}`;
}

function updateCard(card, stream, now) {
  const t = now / 1000;
  // Bitrate read from the stream's bytes between two polls (the engine's own speed is its download rate).
  let bitrate = null;
  if (card.last !== undefined && t > card.last.t) bitrate = (Math.max(0, stream.bytesIn - card.last.bytesIn) * 8) / (t - card.last.t);
  // First sight: the average since the start, once past the engine's first burst (its prebuffer).
  else if (now - Date.parse(stream.startedAt) > 3000) bitrate = (stream.bytesIn * 8 * 1000) / (now - Date.parse(stream.startedAt));
  card.last = { t, bytesIn: stream.bytesIn };
  const peers = stream.engineStats?.peers ?? null;
  const [xs, bs, ps] = card.hist;
  xs.push(t);
  bs.push(bitrate === null ? null : bitrate / 1e6);
  ps.push(peers);
  if (xs.length > HISTORY) for (const a of card.hist) a.shift();

  card.title.textContent = titleOf(stream);
  card.title.title = stream.names.join(', ');
  card.state.textContent = stream.state;
  card.state.className = `badge ${stream.state}`;
  const slug = channelOf(stream);
  const content = slug !== undefined ? { channel: slug } : contentOfKey(stream.key);
  if (content !== undefined) {
    card.watch.hidden = false;
    card.watch.href = api(`/watch?${new URLSearchParams(content)}`);
    card.watch.onclick = (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(content);
    };
  } else card.watch.hidden = true;
  const f = card.fields;
  f.viewers.textContent = stream.hlsViewers > 0 ? `${stream.viewers} (${stream.hlsViewers} HLS)` : String(stream.viewers);
  f.engine.textContent = stream.engine ?? '–';
  f.peers.textContent = peers === null ? '–' : String(peers);
  f.down.textContent = stream.engineStats === undefined ? '–' : formatBitrate(stream.engineStats.speedDown * 1024 * 8);
  f.bitrate.textContent = bitrate === null ? '–' : formatBitrate(bitrate);
  f.uptime.textContent = formatDuration(now - Date.parse(stream.startedAt));
  f.bytes.textContent = `${formatBytes(stream.bytesIn)} / ${formatBytes(stream.bytesOut)}`;
  f.source.textContent = sourceText(stream.source) ?? stream.key;
  for (const dd of Object.values(f)) dd.title = dd.textContent;
  f.source.title = stream.source === undefined ? stream.key : `${stream.source.kind}:${stream.source.value}`;
  const failed = (stream.sources ?? []).filter((s) => s.state === 'failed');
  card.sources.hidden = failed.length === 0;
  card.sources.replaceChildren(
    ...failed.map((s) =>
      el('li', { class: 'failed' }, el('span', { text: `✕ ${sourceText(s)}` }), s.reason ? el('span', { class: 'muted', text: ` ${s.reason}` }) : null, s.failedAt ? el('span', { class: 'muted', text: ` · ${formatAgo(now - Date.parse(s.failedAt))}` }) : null),
    ),
  );
  makeChart(card);
  card.chart?.setData(card.hist);
}

function renderStatus(now) {
  const status = lastStatus;
  const summary = $('summary');
  if (status === undefined) {
    summary.textContent = statusError === undefined ? 'Loading…' : `Status unavailable: ${statusError}`;
    return;
  }
  const streams = status.streams;
  const parts = [`${streams.length} ${streams.length === 1 ? 'stream' : 'streams'}`, `${status.viewers} ${status.viewers === 1 ? 'viewer' : 'viewers'}`, `${formatBytes(status.bytesIn)} in`, `${formatBytes(status.bytesOut)} out`];
  summary.textContent = statusError === undefined ? parts.join(' · ') : `${parts.join(' · ')} — status unavailable (${statusError}), last read ${formatAgo(now - lastStatusAt)}`;
  // The guide's link, once the gateway has one configured.
  $('link-guide').hidden = $('sep-guide').hidden = status.epg === undefined;
  if (status.epg !== undefined) $('link-guide').title = status.epg.ok ? `the guide, fetched ${status.epg.fetchedAt ? formatAgo(now - Date.parse(status.epg.fetchedAt)) : ''}` : `the guide: ${status.epg.error ?? 'not fetched yet'}`;

  $('streams-empty').hidden = streams.length > 0;
  const root = $('streams');
  const seen = new Set();
  for (const s of streams) {
    seen.add(s.key);
    const card = cards.get(s.key) ?? newCard(s);
    if (card.node.parentNode !== root) root.append(card.node);
    updateCard(card, s, now);
  }
  for (const [key, card] of cards) {
    if (seen.has(key)) continue;
    card.chart?.destroy();
    card.node.remove();
    cards.delete(key);
  }

  $('engines').replaceChildren(
    ...status.engines.map((e) =>
      el('li', { class: `engine ${e.up ? 'up' : 'down'}` }, el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { class: 'engine-name', text: e.name }), el('span', { class: 'muted', text: `${e.up ? 'in service' : 'out of service'} · ${e.streams} ${e.streams === 1 ? 'stream' : 'streams'}` })),
    ),
  );
  markRunning();
}

let polling;
async function poll() {
  clearTimeout(polling);
  if (document.visibilityState !== 'hidden') {
    try {
      const res = await fetch(api('/status'), { cache: 'no-store' });
      if (!res.ok) throw new Error(res.status === 401 ? 'a valid token is needed (open this page with ?token=…)' : `HTTP ${res.status}`);
      lastStatus = await res.json();
      lastStatusAt = Date.now();
      statusError = undefined;
    } catch (error) {
      statusError = error instanceof Error ? error.message : String(error);
    }
    renderStatus(Date.now());
  }
  polling = setTimeout(poll, POLL_MS);
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') poll();
});

// ---- the player --------------------------------------------------------------------------

let player;
let playing;

/** What the page's URL asks to play: `channel=`, `id=` or `infohash=` (and `hls=1`). */
function targetOf(search) {
  const p = new URLSearchParams(search);
  for (const kind of ['channel', 'id', 'infohash']) {
    const value = p.get(kind);
    if (value) return { kind, value, hls: p.get('hls') === '1' };
  }
  return undefined;
}

function urlsOf(target) {
  const v = encodeURIComponent(target.value);
  if (target.kind === 'channel') return { ts: api(`/channel/${v}.ts`), hls: api(`/channel/${v}.m3u8`) };
  return { ts: api(`/ace/getstream?${target.kind}=${v}`), hls: api(`/ace/manifest.m3u8?${target.kind}=${v}`) };
}

function watchHref(target, hls) {
  const p = new URLSearchParams({ [target.kind]: target.value });
  if (hls) p.set('hls', '1');
  return api(`/watch?${p}`);
}

function navigate(content, hls = false) {
  const target = { kind: Object.keys(content)[0], value: Object.values(content)[0], hls };
  history.pushState(null, '', watchHref(target, hls));
  route();
}

function stopPlayer() {
  const p = player;
  player = undefined;
  playing = undefined;
  try {
    p?.destroy();
  } catch {
    /* already gone */
  }
  const video = $('video');
  video.removeAttribute('src');
  video.load();
}

function showError(text) {
  // No controls (nor their spinner) behind an error.
  $('video').controls = text === undefined;
  const box = $('player-error');
  box.hidden = text === undefined;
  box.textContent = text ?? '';
}

/** Why the gateway refused `url`: its JSON message, read by asking once more (refusals are answered at once). */
async function reasonOf(url, status) {
  let message = '';
  const abort = new AbortController();
  try {
    const res = await fetch(url, { signal: abort.signal, cache: 'no-store' });
    if (!res.ok) message = (await res.json()).message ?? '';
    status ??= res.status;
  } catch {
    /* no body to read */
  } finally {
    abort.abort();
  }
  const lead =
    status === 401 ? 'The access token is missing or wrong' : status === 404 ? 'Unknown content' : status === 503 ? 'The gateway cannot start this now (at capacity, or no engine answers)' : status === 409 ? 'Not a live stream' : status === undefined ? 'The stream failed' : `The gateway answered ${status}`;
  return message ? `${lead}: ${message}` : `${lead}.`;
}

async function play(target) {
  stopPlayer();
  showError(undefined);
  const video = $('video');
  const urls = urlsOf(target);
  const name = target.kind === 'channel' ? (channelBySlug.get(target.value)?.name ?? target.value) : `${target.kind} ${target.value}`;
  $('player-name').textContent = name;
  document.title = `${name} · ace-rx`;
  $('player').hidden = false;
  $('player-switch').hidden = false;
  $('player-switch').textContent = target.hls ? 'Play as MPEG-TS' : 'Play as HLS';
  $('player-switch').href = watchHref(target, !target.hls);
  $('player-switch').onclick = (e) => {
    e.preventDefault();
    navigate({ [target.kind]: target.value }, !target.hls);
  };
  const session = {};
  playing = session;
  const fail = async (url, status, fallback) => {
    if (playing !== session) return;
    const text = status === undefined && fallback ? fallback : await reasonOf(url, status);
    if (playing !== session) return;
    stopPlayer();
    showError(text);
  };
  // The stream shows on the dashboard as soon as it plays, not at the next poll.
  video.addEventListener('playing', () => poll(), { once: true });
  const hasMse = typeof MediaSource !== 'undefined' || typeof ManagedMediaSource !== 'undefined';
  const nativeHls = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  try {
    if (!target.hls && hasMse) {
      $('player-mode').textContent = 'MPEG-TS · mpegts.js';
      await loadScript('mpegts.js');
      if (playing !== session) return;
      if (!mpegts.isSupported()) throw new Error('this browser cannot play MPEG-TS through Media Source: try HLS');
      player = mpegts.createPlayer({ type: 'mpegts', isLive: true, url: new URL(urls.ts, location.origin).href }, { enableWorker: false, lazyLoad: false, liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 6, liveBufferLatencyMinRemain: 1.5 });
      player.on(mpegts.Events.ERROR, (type, detail, info) => {
        // Not MPEG-TS: a film (MP4, Matroska), which the gateway serves as a file with Range; the browser plays it itself.
        if (type === mpegts.ErrorTypes.MEDIA_ERROR && detail === mpegts.ErrorDetails.MEDIA_FORMAT_UNSUPPORTED && playing === session) {
          player.destroy();
          player = undefined;
          $('player-mode').textContent = 'file · the browser';
          // A file has no HLS (the gateway answers 409): nothing to switch to.
          $('player-switch').hidden = true;
          video.src = urls.ts;
          video.addEventListener('error', () => fail(urls.ts, undefined, `The browser cannot play this file (${video.error?.message || 'unsupported'})`), { once: true });
          video.play().catch(() => undefined);
          return;
        }
        const status = typeof info?.code === 'number' && info.code >= 400 ? info.code : undefined;
        fail(urls.ts, status, status === undefined ? `The stream failed (${type}: ${detail}${info?.msg ? `, ${info.msg}` : ''})` : undefined);
      });
      // A live stream's body ends only when the gateway ends it (it closes, or the stream failed for good).
      player.on(mpegts.Events.LOADING_COMPLETE, () => {
        if (playing === session) showError('The stream ended: the gateway closed it.');
      });
      player.attachMediaElement(video);
      player.load();
    } else if (hasMse) {
      $('player-mode').textContent = 'HLS · hls.js';
      await loadScript('hls.js');
      if (playing !== session) return;
      if (!Hls.isSupported()) throw new Error('this browser cannot play HLS');
      const hls = new Hls({ enableWorker: true, liveDurationInfinity: true });
      player = hls;
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        const status = data.response?.code >= 400 ? data.response.code : undefined;
        fail(urls.hls, status, status === undefined ? `The stream failed (${data.type}: ${data.details})` : undefined);
      });
      hls.loadSource(new URL(urls.hls, location.origin).href);
      hls.attachMedia(video);
    } else if (nativeHls) {
      $('player-mode').textContent = 'HLS · native';
      video.src = urls.hls;
      video.addEventListener('error', () => fail(urls.hls, undefined, undefined), { once: true });
    } else throw new Error('this browser has neither Media Source nor HLS');
  } catch (error) {
    showError(error instanceof Error ? error.message : String(error));
    return;
  }
  try {
    await video.play();
  } catch (error) {
    // Autoplay with sound needs a click: start muted, the controls unmute.
    if (error?.name === 'NotAllowedError' && playing === session) {
      video.muted = true;
      await video.play().catch(() => undefined);
    }
  }
}

function route() {
  const target = location.pathname === '/watch' ? targetOf(location.search) : undefined;
  if (target === undefined) {
    stopPlayer();
    showError(undefined);
    $('player').hidden = true;
    document.title = 'ace-rx gateway';
    if (location.pathname === '/watch') {
      $('player').hidden = false;
      $('player-name').textContent = 'Nothing to play';
      showError('Give what to play: /watch?id=<content id>, ?infohash=<infohash> or ?channel=<channel>.');
    }
    return;
  }
  play(target);
  $('player').scrollIntoView({ block: 'start', behavior: 'smooth' });
}

$('player-close').addEventListener('click', () => {
  history.pushState(null, '', api('/'));
  route();
});
$('home').href = api('/');
$('home').addEventListener('click', (e) => {
  e.preventDefault();
  history.pushState(null, '', api('/'));
  route();
});
for (const [id, path] of [['link-playlist', '/playlist.m3u'], ['link-guide', '/epg.xml'], ['link-tuner', '/discover.json'], ['link-status', '/status'], ['link-metrics', '/metrics']]) $(id).href = api(path);
window.addEventListener('popstate', route);
window.addEventListener('resize', () => {
  for (const card of cards.values()) card.chart?.setSize({ width: Math.max(200, card.chartBox.clientWidth), height: 140 });
});

// ---- start -----------------------------------------------------------------------------

await loadScript('uplot.js').catch(() => undefined);
await loadChannels();
route();
poll();

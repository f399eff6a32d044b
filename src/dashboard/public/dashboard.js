// The dashboard: polls Lapse's read API and shows the cache and the tracker.
import { ApiError, KeyRequiredError, apiKey, getJson, pathOf } from './api.js';
import { TimeChart, lineNames } from './charts.js';
import { clockTime, count, counted, duration, minuteOf, moment, percent } from './format.js';

const REFRESH_MS = 5000;
const TOP_LIMIT = 10;
/** An hour of entry counts, sampled every REFRESH_MS. */
const MAX_ENTRY_SAMPLES = 720;
/** Longer cached values are cut, so that one huge value cannot stall the page. */
const MAX_VALUE_CHARS = 20_000;

const WINDOW_NAMES = { '-15m': 'last 15 minutes', '-1h': 'last hour', '-24h': 'last 24 hours' };
const RESOURCE_RANGES = {
  hour: { query: 'interval=minute&from=-1h', span: 'last hour', step: 'minute' },
  day: { query: 'interval=hour&from=-24h', span: 'last 24 hours', step: 'hour' },
};

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {HTMLElement} figure */
const summaryOf = (figure) => /** @type {HTMLElement} */ (figure.querySelector('[data-summary]'));

const elements = {
  status: byId('status'),
  autoRefresh: /** @type {HTMLInputElement} */ (byId('auto-refresh')),
  keySection: byId('key-section'),
  keyForm: /** @type {HTMLFormElement} */ (byId('key-form')),
  keyInput: /** @type {HTMLInputElement} */ (byId('api-key')),
  keyMessage: byId('key-message'),
  seriesMessage: byId('series-message'),
  topWindow: /** @type {HTMLSelectElement} */ (byId('top-window')),
  topMessage: byId('top-message'),
  topTable: /** @type {HTMLTableElement} */ (byId('top-table')),
  resourceForm: /** @type {HTMLFormElement} */ (byId('resource-form')),
  resourceInput: /** @type {HTMLInputElement} */ (byId('resource-id')),
  resourceRange: /** @type {HTMLSelectElement} */ (byId('resource-range')),
  resourceMessage: byId('resource-message'),
  resourceDetails: byId('resource-details'),
  resourceTitle: byId('resource-title'),
  resourceValue: byId('resource-value'),
  resourceTags: byId('resource-tags'),
  resourceTtl: byId('resource-ttl'),
  resourceCreated: byId('resource-created'),
  resourceInteractions: byId('resource-interactions'),
  resourceChartTitle: byId('resource-chart-title'),
};

const figures = {
  hitRatio: byId('chart-hit-ratio'),
  entries: byId('chart-entries'),
  reads: byId('chart-reads'),
  interactions: byId('chart-interactions'),
  resource: byId('chart-resource'),
};

const charts = {
  hitRatio: new TimeChart(figures.hitRatio, {
    labels: ['Hit ratio'],
    percent: true,
    format: percent,
  }),
  entries: new TimeChart(figures.entries, {
    labels: ['Entries'],
    format: count,
    // The same hour as the other charts, however few samples there are yet.
    timeRange: () => [Date.now() / 1000 - 3600, Date.now() / 1000],
  }),
  reads: new TimeChart(figures.reads, { labels: ['Hits', 'Misses'], format: count }),
  interactions: new TimeChart(figures.interactions, { labels: ['Interactions'], format: count }),
  resource: new TimeChart(figures.resource, { labels: [], format: count }),
};

/** Entry counts taken from each `/stats` answer while the page is open. */
const entrySamples = { times: /** @type {number[]} */ ([]), entries: /** @type {number[]} */ ([]) };

/**
 * The resource shown below the search: its id, the chosen range, and its
 * cached entry as read when it was looked up (null when it was not cached).
 * @type {{ id: string, range: keyof typeof RESOURCE_RANGES, entry: any, readAt: number } | undefined}
 */
let shown;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let nextRefresh;
/** Whether a key must be entered before anything can be read. */
let waitingForKey = false;
/** The top list as last drawn, so that an unchanged one is not redrawn under the keyboard. */
let drawnTop = '';

// ---- Refreshing ---------------------------------------------------------------------------

/** Reads everything shown, then schedules the next refresh. */
async function refresh() {
  clearTimeout(nextRefresh);
  const outcomes = await Promise.allSettled([
    refreshStats(),
    refreshStatsSeries(),
    refreshTop(),
    refreshShownInteractions(),
  ]);
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason] : [],
  );
  const keyFailure = failures.find((failure) => failure instanceof KeyRequiredError);
  if (keyFailure) {
    askForKey(keyFailure.keyWasSent);
    return; // nothing can be read until a key is entered
  }
  if (waitingForKey) keyAccepted();
  if (failures.length > 0) {
    setStatus(`Could not update: ${describe(failures[0])}. Trying again in 5 seconds.`, true);
  } else {
    setStatus(`Updated ${clockTime(new Date())}`);
  }
  schedule();
}

function schedule() {
  clearTimeout(nextRefresh);
  if (elements.autoRefresh.checked && !waitingForKey) {
    nextRefresh = setTimeout(() => {
      // A tab out of sight is not polled; it catches up when shown again.
      if (document.hidden) schedule();
      else void refresh();
    }, REFRESH_MS);
  }
}

/**
 * @param {string} text
 * @param {boolean} [isError]
 */
function setStatus(text, isError = false) {
  elements.status.textContent = text;
  elements.status.classList.toggle('error', isError);
}

/** @param {unknown} failure */
function describe(failure) {
  if (failure instanceof ApiError) {
    return `the server answered ${failure.status} (${failure.message})`;
  }
  // What fetch throws when no answer came at all.
  if (failure instanceof TypeError) return 'the server cannot be reached';
  return String(failure);
}

// ---- API key --------------------------------------------------------------------------------

/** @param {boolean} keyWasRefused */
function askForKey(keyWasRefused) {
  const firstAsk = !waitingForKey;
  waitingForKey = true;
  if (keyWasRefused) apiKey.clear();
  elements.keySection.hidden = false;
  elements.keyMessage.textContent = keyWasRefused
    ? 'The server did not accept this key. Check it and enter it again.'
    : '';
  elements.keyMessage.classList.toggle('error', keyWasRefused);
  setStatus('This server needs an API key for reads: enter one to see its figures.', true);
  if (firstAsk) elements.keyInput.focus();
}

function keyAccepted() {
  waitingForKey = false;
  elements.keySection.hidden = true;
  elements.keyMessage.textContent = '';
}

elements.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = elements.keyInput.value.trim();
  if (key === '') return;
  apiKey.set(key);
  elements.keyInput.value = '';
  elements.keyMessage.classList.remove('error');
  elements.keyMessage.textContent = 'Checking the key…';
  void refresh().then(() => {
    if (shown && !waitingForKey && shown.entry === undefined) void lookUp(shown.id, shown.range);
  });
});

// ---- The cache now and over the last hour ----------------------------------------------------

async function refreshStats() {
  const stats = await getJson('/stats');
  const reads = stats.hits + stats.misses;
  const figure = (/** @type {string} */ name, /** @type {string} */ text) => {
    const element = document.querySelector(`[data-stat="${name}"]`);
    if (element) element.textContent = text;
  };
  figure('hitRatio', reads === 0 ? 'No reads yet' : percent(stats.hitRatio * 100));
  figure(
    'entries',
    stats.maxEntries === null
      ? count(stats.entries)
      : `${count(stats.entries)} of ${count(stats.maxEntries)}`,
  );
  figure('reads', count(reads));
  figure('hits', count(stats.hits));
  figure('misses', count(stats.misses));
  figure('sets', count(stats.sets));
  figure('expired', count(stats.expired));
  figure('evicted', count(stats.evicted));
  figure('interactions', count(stats.interactions));
  figure('store', stats.store);
  figure('defaultTtl', duration(stats.defaultTtl));
  figure('uptime', duration(stats.uptimeSeconds));
  figure('originFetches', count(stats.origin.fetches));
  figure('originRevalidations', count(stats.origin.revalidations));
  figure('originStaleServed', count(stats.origin.staleServed));
  figure('originErrors', count(stats.origin.errors));
  figure('originJoined', count(stats.origin.joined));

  entrySamples.times.push(Date.now() / 1000);
  entrySamples.entries.push(stats.entries);
  if (entrySamples.times.length > MAX_ENTRY_SAMPLES) {
    entrySamples.times.shift();
    entrySamples.entries.shift();
  }
  charts.entries.update(entrySamples.times, [entrySamples.entries]);
  const lowest = Math.min(...entrySamples.entries);
  const highest = Math.max(...entrySamples.entries);
  summaryOf(figures.entries).textContent =
    `Now ${count(stats.entries)}` +
    (stats.maxEntries === null ? '' : ` of at most ${count(stats.maxEntries)}`) +
    (lowest === highest
      ? '.'
      : `; between ${count(lowest)} and ${count(highest)} while this page was open.`);
}

async function refreshStatsSeries() {
  let series;
  try {
    series = await getJson('/stats/series?interval=minute&from=-1h');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    elements.seriesMessage.textContent =
      'This server keeps no per-minute history (GET /stats/series is missing): ' +
      'only the entries chart, sampled by this page, can be drawn.';
    for (const figure of [figures.hitRatio, figures.reads, figures.interactions]) {
      summaryOf(figure).textContent = 'Not available from this server.';
    }
    return;
  }
  elements.seriesMessage.textContent = '';
  /** @type {{ t: string, hits: number, misses: number, interactions: number }[]} */
  const points = series.points;
  const times = points.map((point) => Date.parse(point.t) / 1000);
  const hits = points.map((point) => point.hits);
  const misses = points.map((point) => point.misses);
  const interactions = points.map((point) => point.interactions);
  const ratios = points.map((point) => {
    const reads = point.hits + point.misses;
    return reads === 0 ? null : (point.hits / reads) * 100;
  });
  charts.hitRatio.update(times, [ratios]);
  charts.reads.update(times, [hits, misses]);
  charts.interactions.update(times, [interactions]);

  const totalHits = sum(hits);
  const totalMisses = sum(misses);
  const totalReads = totalHits + totalMisses;
  const last = points.at(-1);
  const lastReads = last ? last.hits + last.misses : 0;
  summaryOf(figures.hitRatio).textContent =
    totalReads === 0
      ? 'No reads in the last hour.'
      : `Over the last hour, ${percent((totalHits / totalReads) * 100)} of ${counted(totalReads, 'read')} were hits.` +
        (last && lastReads > 0
          ? ` This minute so far: ${percent((last.hits / lastReads) * 100)} of ${count(lastReads)}.`
          : ' No reads this minute so far.');
  summaryOf(figures.reads).textContent =
    totalReads === 0
      ? 'No reads in the last hour.'
      : `Over the last hour: ${counted(totalReads, 'read')}, ${counted(totalHits, 'hit')} and ` +
        `${counted(totalMisses, 'miss', 'misses')}. ${busiest(points, (point) => point.hits + point.misses, 'read')}` +
        ` This minute so far: ${count(lastReads)}.`;
  const totalInteractions = sum(interactions);
  summaryOf(figures.interactions).textContent =
    totalInteractions === 0
      ? 'No interactions in the last hour.'
      : `Over the last hour: ${counted(totalInteractions, 'interaction')}. ` +
        `${busiest(points, (point) => point.interactions, 'interaction')}` +
        ` This minute so far: ${count(last ? last.interactions : 0)}.`;
}

/** @param {number[]} values */
function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * "Busiest minute: 12:03, with 30 reads."
 * @template {{ t: string }} P
 * @param {P[]} points
 * @param {(point: P) => number} valueOf
 * @param {string} noun singular
 * @param {string} [step]
 */
function busiest(points, valueOf, noun, step = 'minute') {
  let top = points[0];
  for (const point of points) if (valueOf(point) > valueOf(top)) top = point;
  return `Busiest ${step}: ${minuteOf(Date.parse(top.t))}, with ${counted(valueOf(top), noun)}.`;
}

// ---- Top resources -----------------------------------------------------------------------------

async function refreshTop() {
  const since = /** @type {keyof typeof WINDOW_NAMES} */ (elements.topWindow.value);
  let rows;
  let caption = `Most interacted resources, ${WINDOW_NAMES[since]}`;
  try {
    rows = await getJson(`/interactions?limit=${TOP_LIMIT}&since=${encodeURIComponent(since)}`);
    elements.topMessage.textContent = '';
  } catch (error) {
    // A server without windows rejects `since` (400): all-time totals are still worth showing.
    if (!(error instanceof ApiError && (error.status === 400 || error.status === 404))) throw error;
    rows = await getJson(`/interactions?limit=${TOP_LIMIT}`);
    caption = 'Most interacted resources, all time';
    elements.topMessage.textContent =
      'This server cannot count interactions within a window: the list shows all-time totals.';
  }
  drawTop(caption, rows);
}

/**
 * @param {string} caption
 * @param {{ resourceId: string, total: number, lastAt: string }[]} rows
 */
function drawTop(caption, rows) {
  const drawing = JSON.stringify([caption, rows]);
  if (drawing === drawnTop) return;
  drawnTop = drawing;
  const table = elements.topTable;
  /** @type {HTMLElement} */ (table.caption).textContent = caption;
  const body = table.tBodies[0];
  // Redrawing must not take the keyboard focus away from the resource it was on.
  const focused = body.contains(document.activeElement) ? document.activeElement : null;
  const focusedId = focused?.textContent;
  if (rows.length === 0) {
    const row = body.insertRow();
    body.replaceChildren(row);
    const cell = row.insertCell();
    cell.colSpan = 4;
    cell.textContent = 'No interactions in this window.';
    return;
  }
  body.replaceChildren(
    ...rows.map((row, index) => {
      const tr = document.createElement('tr');
      const rank = document.createElement('td');
      rank.textContent = String(index + 1);
      const resource = document.createElement('th');
      resource.scope = 'row';
      const show = document.createElement('button');
      show.type = 'button';
      show.className = 'link';
      show.textContent = row.resourceId;
      show.title = 'Look up this resource';
      show.addEventListener('click', () => {
        elements.resourceInput.value = row.resourceId;
        void lookUp(row.resourceId, rangeChosen());
        elements.resourceInput.scrollIntoView({ block: 'start', behavior: 'smooth' });
      });
      resource.append(show);
      const total = document.createElement('td');
      total.className = 'number';
      total.textContent = count(row.total);
      const lastAt = document.createElement('td');
      const time = document.createElement('time');
      time.dateTime = row.lastAt;
      time.textContent = moment(Date.parse(row.lastAt));
      lastAt.append(time);
      tr.append(rank, resource, total, lastAt);
      return tr;
    }),
  );
  if (focused) {
    const again = [...body.querySelectorAll('button')].find(
      (button) => button.textContent === focusedId,
    );
    again?.focus();
  }
}

elements.topWindow.addEventListener('change', () => {
  refreshTop().then(
    () => undefined,
    (error) => {
      if (error instanceof KeyRequiredError) askForKey(error.keyWasSent);
      else elements.topMessage.textContent = `Could not read the list: ${describe(error)}.`;
    },
  );
});

// ---- One resource ------------------------------------------------------------------------------

function rangeChosen() {
  return /** @type {keyof typeof RESOURCE_RANGES} */ (elements.resourceRange.value);
}

elements.resourceForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const id = elements.resourceInput.value.trim();
  if (id !== '') void lookUp(id, rangeChosen());
});

elements.resourceRange.addEventListener('change', () => {
  if (!shown) return;
  shown.range = rangeChosen();
  void refreshShownInteractions().catch(() => undefined);
});

/**
 * Reads a resource once (one cache hit or miss) and its interactions.
 * @param {string} id
 * @param {keyof typeof RESOURCE_RANGES} range
 */
async function lookUp(id, range) {
  shown = { id, range, entry: undefined, readAt: Date.now() };
  elements.resourceMessage.classList.remove('error');
  elements.resourceMessage.textContent = `Looking up ${id}…`;
  try {
    const entry = await getJson(pathOf('/resources', id)).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    });
    if (shown?.id !== id) return; // another lookup started meanwhile
    shown.entry = entry;
    shown.readAt = Date.now();
    drawEntry(id, entry);
    await refreshShownInteractions();
    elements.resourceMessage.textContent =
      entry === null
        ? `${id} is not in the cache: never written, expired or deleted.`
        : `Showing ${id}, as read at ${clockTime(shown.readAt)}.`;
  } catch (error) {
    if (error instanceof KeyRequiredError) {
      askForKey(error.keyWasSent);
      elements.resourceMessage.textContent =
        'Enter an API key above, then look the resource up again.';
    } else {
      elements.resourceMessage.classList.add('error');
      elements.resourceMessage.textContent = `Could not look up ${id}: ${describe(error)}.`;
    }
  }
}

/**
 * @param {string} id
 * @param {any} entry the resource, or null when it is not cached
 */
function drawEntry(id, entry) {
  elements.resourceDetails.hidden = false;
  elements.resourceTitle.textContent = id;
  if (entry === null) {
    elements.resourceValue.textContent = 'Not cached.';
    elements.resourceTags.textContent = '–';
    elements.resourceCreated.textContent = '–';
  } else {
    const value = JSON.stringify(entry.data, null, 2);
    elements.resourceValue.textContent =
      value.length > MAX_VALUE_CHARS
        ? `${value.slice(0, MAX_VALUE_CHARS)}\n… (${count(value.length - MAX_VALUE_CHARS)} more characters)`
        : value;
    elements.resourceTags.textContent = entry.tags.length === 0 ? 'None' : entry.tags.join(', ');
    elements.resourceCreated.textContent = moment(Date.parse(entry.createdAt));
  }
  drawTimeLeft();
}

/** The TTL counts down here from the one read: reading again would count as a cache read. */
function drawTimeLeft() {
  if (!shown || shown.entry === undefined) return;
  const { entry, readAt } = shown;
  if (entry === null) {
    elements.resourceTtl.textContent = '–';
    return;
  }
  // From the time left as the server counted it, so that a clock set apart does not matter.
  const secondsLeft = Math.max(0, Math.ceil(entry.ttl - (Date.now() - readAt) / 1000));
  const expiry = moment(Date.parse(entry.expiresAt));
  elements.resourceTtl.textContent =
    secondsLeft === 0
      ? `Expired at ${expiry}`
      : `${count(secondsLeft)} s left` +
        (secondsLeft >= 120 ? ` (${duration(secondsLeft)})` : '') +
        `, expires at ${expiry}`;
}

setInterval(drawTimeLeft, 1000);

/** The interaction totals and series of the resource shown, if any. */
async function refreshShownInteractions() {
  if (!shown || shown.entry === undefined) return;
  const { id, range } = shown;
  const { query, span, step } = RESOURCE_RANGES[range];
  const [summary, series] = await Promise.all([
    getJson(pathOf('/interactions', id)).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }),
    getJson(`${pathOf('/interactions', id, '/series')}?${query}`).catch((error) => {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }),
  ]);
  if (shown?.id !== id) return;
  elements.resourceInteractions.textContent =
    summary === null
      ? 'None recorded'
      : `${count(summary.total)} (${byTypeText(summary.byType)}), the latest at ${moment(Date.parse(summary.lastAt))}`;
  drawResourceSeries(series, span, step);
}

/** @param {Record<string, number>} byType */
function byTypeText(byType) {
  return Object.entries(byType)
    .sort(([, a], [, b]) => b - a)
    .map(([type, total]) => `${type} ${count(total)}`)
    .join(', ');
}

/**
 * @param {{ points: { t: string, total: number, byType: Record<string, number> }[] } | null} series
 * @param {string} span
 * @param {string} step
 */
function drawResourceSeries(series, span, step) {
  const summary = summaryOf(figures.resource);
  const lines = /** @type {HTMLElement} */ (figures.resource.querySelector('[data-lines]'));
  elements.resourceChartTitle.textContent = `Interactions per ${step}, ${span}`;
  if (series === null) {
    summary.textContent =
      'This server keeps no interaction history per resource (GET /interactions/:id/series is missing).';
    lines.textContent = '';
    return;
  }
  const { points } = series;
  const totals = new Map();
  for (const point of points) {
    for (const [type, total] of Object.entries(point.byType)) {
      totals.set(type, (totals.get(type) ?? 0) + total);
    }
  }
  // Busiest type first, so that the solid line is the one that matters most.
  const types = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a));
  charts.resource.update(
    points.map((point) => Date.parse(point.t) / 1000),
    types.map((type) => points.map((point) => point.byType[type] ?? 0)),
    types,
  );
  const total = sum(points.map((point) => point.total));
  summary.textContent =
    total === 0
      ? `No interactions in the ${span}.`
      : `Over the ${span}: ${counted(total, 'interaction')} (${byTypeText(Object.fromEntries(totals))}). ` +
        busiest(points, (point) => point.total, 'interaction', step);
  lines.textContent = types.length === 0 ? '' : `Lines: ${lineNames(types)}.`;
}

// ---- Start -----------------------------------------------------------------------------------

elements.autoRefresh.addEventListener('change', () => {
  if (elements.autoRefresh.checked) void refresh();
  else {
    clearTimeout(nextRefresh);
    setStatus('Updates paused.');
  }
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && elements.autoRefresh.checked && !waitingForKey) void refresh();
});

void refresh();

import { api, ColumnProfile, Histogram, Quantiles, TableProfile } from './api';
import { formatNumber, h, svg } from './dom';
import { focusHeading, showError } from './ui';

/** A ready file's profile: per table a summary row per column, and a histogram chart per numeric column. */
export async function renderProfile(root: HTMLElement, sessionId: string, uploadId: string): Promise<void> {
  const back = h('p', { class: 'breadcrumb' }, h('a', { href: `#/sessions/${sessionId}` }, '← Back to the session'));
  try {
    const [upload, profile] = await Promise.all([api.upload(sessionId, uploadId), api.profile(sessionId, uploadId)]);
    root.replaceChildren(h('section', { class: 'card' }, back, h('h1', {}, `Profile of ${upload.fileName}`),
      ...profile.tables.map((table) => tableSection(table, profile.tables.length > 1))));
  } catch (error) {
    root.replaceChildren(h('section', { class: 'card' }, back, h('h1', {}, 'Profile not available')));
    showError(error);
  }
  focusHeading(root);
}

/** Exact counts as they are; beyond the counter budget, each listed value with its proven range. */
function topValues(column: ColumnProfile): string {
  if (column.topValuesStatus === 'allDistinct') {
    return 'all (or nearly all) values distinct';
  }
  const count = (top: ColumnProfile['topValues'][number]): string =>
    top.minCount === top.count ? formatNumber(top.count) : `${formatNumber(top.minCount)}–${formatNumber(top.count)}`;
  return column.topValues.slice(0, 3).map((top) => `${top.value} (${count(top)})`).join(', ') || '—';
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '—' : `${((100 * part) / whole).toFixed(part === 0 || part === whole ? 0 : 1)} %`;
}

function value(text: number | string | null): string {
  return typeof text === 'string' ? text : formatNumber(text);
}

/** p25 · p50 · p75 as a compact row; the title holds all seven. */
function quartiles(quantiles: Quantiles | null): HTMLElement | string {
  if (quantiles === null) {
    return '—';
  }
  const all = (['p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] as const).map((q) => `${q} ${value(quantiles[q])}`).join(', ');
  return h('span', { title: all, 'data-quantiles': all },
    `${value(quantiles.p25)} · ${value(quantiles.p50)} · ${value(quantiles.p75)}${quantiles.exact ? '' : ' (≈)'}`);
}

function lengths(column: ColumnProfile): string {
  if (column.booleans !== null) {
    return `true ${formatNumber(column.booleans.true)}, false ${formatNumber(column.booleans.false)}`;
  }
  return column.lengths === null ? '—' : `${formatNumber(column.lengths.min)}–${formatNumber(column.lengths.max)} (mean ${formatNumber(column.lengths.mean)})`;
}

function tableSection(table: TableProfile, named: boolean): HTMLElement {
  const caption = `${named ? `${table.name}: ` : ''}${formatNumber(table.rowCount)} rows, ${table.columns.length} columns (${table.format})`;
  const rows = table.columns.map((column) => h('tr', {},
    h('th', { scope: 'row' }, column.name),
    h('td', {}, column.type),
    h('td', { class: 'num' }, formatNumber(column.nullCount)),
    h('td', { class: 'num', 'data-null-percent': '' }, percent(column.nullCount, table.rowCount)),
    h('td', { class: 'num' }, `${column.distinctExact ? '' : '≈ '}${formatNumber(column.distinctEstimate)}`),
    h('td', { class: 'num' }, value(column.min)),
    h('td', { class: 'num' }, value(column.max)),
    h('td', { class: 'num' }, formatNumber(column.mean)),
    h('td', { class: 'num' }, formatNumber(column.stdDev)),
    h('td', { class: 'num' }, quartiles(column.quantiles)),
    h('td', {}, lengths(column)),
    h('td', {}, topValues(column))));
  const charts = table.columns.filter((column) => column.histogram !== null);
  const categorical = table.columns.filter((column) => column.histogram === null && column.topValues.length > 1);
  return h('section', { class: 'profile-table' },
    named ? h('h2', {}, table.name) : null,
    table.alerts.length > 0
      ? h('ul', { class: 'alerts', 'aria-label': 'Alerts' }, ...table.alerts.map((alert) =>
        h('li', { class: `badge alert-${alert.kind}`, 'data-kind': alert.kind }, `${alert.column}: ${alert.message}`)))
      : null,
    h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
      h('table', { class: 'stats' }, h('caption', {}, caption),
        h('thead', {}, h('tr', {}, ...['Column', 'Type', 'Nulls', 'Null %', 'Distinct', 'Min', 'Max', 'Mean', 'Std dev', 'p25 · p50 · p75', 'Length / counts', 'Top values']
          .map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, ...rows))),
    h('p', { class: 'note' }, estimatesNote(table)),
    charts.length > 0 ? h('h3', {}, 'Distributions') : null,
    h('div', { class: 'charts' }, ...charts.map((column) => chart(column, column.histogram as Histogram))),
    categorical.length > 0 ? h('h3', {}, 'Most common values') : null,
    h('div', { class: 'charts' }, ...categorical.map(bars)),
    preview(table));
}

/** What "≈" and a range mean, in plain words, with this table's budget. */
function estimatesNote(table: TableProfile): string {
  const budget = table.columns[0]?.topValuesExactUpTo ?? 0;
  return `Counts of top values are exact while a column has at most ${formatNumber(budget)} different values. `
    + 'Beyond that, a value is listed only with a range its true count is proven to lie in, such as "40–52". '
    + '"≈ " marks an estimate: distinct counts are then within about 1 % (typical error 0.8 %), '
    + 'and quartiles are within 1 % of the rows of their true position.';
}

/** Bars for a column's top values, longest first; the counts are in the accessible text too. */
function bars(column: ColumnProfile): HTMLElement {
  const largest = Math.max(1, ...column.topValues.map((top) => top.count));
  const items = column.topValues.map((top) => h('li', { 'data-count': String(top.count) },
    h('span', { class: 'bar-label' }, top.value),
    svg('svg', { class: 'bar-track', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
      svg('rect', { class: 'top-bar', x: 0, y: 0, height: 10, width: ((100 * top.count) / largest).toFixed(1) })),
    h('span', { class: 'bar-count' }, top.minCount === top.count ? formatNumber(top.count) : `${formatNumber(top.minCount)}–${formatNumber(top.count)}`)));
  return h('figure', { class: 'chart top-values', 'data-column': column.name },
    h('figcaption', {}, `${column.name}: most common values`), h('ol', {}, ...items));
}

/** The first rows as they are in the file, cut to 256 characters a cell. */
function preview(table: TableProfile): HTMLElement | null {
  if (table.preview.length === 0) {
    return null;
  }
  const label = `${named(table)}first ${table.preview.length} rows`;
  return h('section', { class: 'preview' }, h('h3', {}, 'Preview'),
    h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: '0' },
      h('table', { class: 'preview-table' },
        h('thead', {}, h('tr', {}, ...table.columns.map((column) => h('th', { scope: 'col' }, column.name)))),
        h('tbody', {}, ...table.preview.map((row) => h('tr', {}, ...row.map((cell) => h('td', {}, cell ?? ''))))))));
}

function named(table: TableProfile): string {
  return table.name === '' ? '' : `${table.name}: `;
}

const width = 320;
const height = 160;
const axis = 20;

/** Equal-width bins as bars scaled to the largest count; the numbers are also in the figure's text for screen readers. */
function chart(column: ColumnProfile, histogram: Histogram): HTMLElement {
  const largest = Math.max(1, ...histogram.counts);
  const barWidth = (width - 2) / histogram.counts.length;
  const plot = height - axis;
  const bars = histogram.counts.map((count, index) => {
    const barHeight = (count / largest) * (plot - 4);
    const x = 1 + index * barWidth;
    const low = histogram.min + ((histogram.max - histogram.min) * index) / histogram.counts.length;
    const high = histogram.min + ((histogram.max - histogram.min) * (index + 1)) / histogram.counts.length;
    return svg('rect', {
      class: 'bar', x: x.toFixed(2), y: (plot - barHeight).toFixed(2), width: Math.max(1, barWidth - 1).toFixed(2), height: barHeight.toFixed(2), 'data-count': count,
    }, svg('title', {}, `${formatNumber(low)} to ${formatNumber(high)}: ${formatNumber(count)}`));
  });
  const describedBy = `chart-${cssSafe(column.name)}-summary`;
  const picture = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': describedBy, class: 'histogram' },
    svg('line', { x1: 0, y1: plot, x2: width, y2: plot, class: 'axis' }),
    ...bars,
    svg('text', { x: 0, y: height - 4, class: 'axis-label' }, formatNumber(histogram.min)),
    svg('text', { x: width / 2, y: height - 4, class: 'axis-label middle' }, column.name),
    svg('text', { x: width, y: height - 4, class: 'axis-label end' }, formatNumber(histogram.max)),
    svg('text', { x: 2, y: 10, class: 'axis-label' }, `rows (max ${formatNumber(largest)})`));
  const summary = `${column.name}: ${histogram.counts.length} bins from ${formatNumber(histogram.min)} to ${formatNumber(histogram.max)}; counts ${histogram.counts.join(', ')}`;
  return h('figure', { class: 'chart', 'data-column': column.name }, picture,
    h('figcaption', {}, `${column.name}: distribution`, h('span', { id: describedBy, class: 'visually-hidden' }, summary)));
}

function cssSafe(text: string): string {
  return Array.from(text).map((c) => (/[A-Za-z0-9_-]/.test(c) ? c : `_${c.codePointAt(0)}`)).join('');
}

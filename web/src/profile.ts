import { api, ColumnProfile, Histogram, TableProfile } from './api';
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

/** Counts of a column with many distinct values are upper bounds (space-saving), and are shown as such. */
function topValues(column: ColumnProfile): string {
  const bound = column.topValuesExact ? '' : '≤ ';
  return column.topValues.slice(0, 3).map((top) => `${top.value} (${bound}${formatNumber(top.count)})`).join(', ') || '—';
}

function tableSection(table: TableProfile, named: boolean): HTMLElement {
  const caption = `${named ? `${table.name}: ` : ''}${formatNumber(table.rowCount)} rows, ${table.columns.length} columns (${table.format})`;
  const rows = table.columns.map((column) => h('tr', {},
    h('th', { scope: 'row' }, column.name),
    h('td', {}, column.type),
    h('td', { class: 'num' }, formatNumber(column.nullCount)),
    h('td', { class: 'num' }, formatNumber(column.distinctEstimate)),
    h('td', { class: 'num' }, formatNumber(column.min)),
    h('td', { class: 'num' }, formatNumber(column.max)),
    h('td', { class: 'num' }, formatNumber(column.mean)),
    h('td', {}, topValues(column))));
  const charts = table.columns.filter((column) => column.histogram !== null);
  return h('section', { class: 'profile-table' },
    named ? h('h2', {}, table.name) : null,
    h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
      h('table', {}, h('caption', {}, caption),
        h('thead', {}, h('tr', {}, ...['Column', 'Type', 'Nulls', 'Distinct (est.)', 'Min', 'Max', 'Mean', 'Top values'].map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, ...rows))),
    charts.length > 0 ? h('h3', {}, 'Distributions') : null,
    h('div', { class: 'charts' }, ...charts.map((column) => chart(column, column.histogram as Histogram))));
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
    svg('text', { x: width, y: height - 4, class: 'axis-label end' }, formatNumber(histogram.max)));
  const summary = `${column.name}: ${histogram.counts.length} bins from ${formatNumber(histogram.min)} to ${formatNumber(histogram.max)}; counts ${histogram.counts.join(', ')}`;
  return h('figure', { class: 'chart', 'data-column': column.name }, picture, h('figcaption', { id: describedBy }, summary));
}

function cssSafe(text: string): string {
  return Array.from(text).map((c) => (/[A-Za-z0-9_-]/.test(c) ? c : `_${c.codePointAt(0)}`)).join('');
}

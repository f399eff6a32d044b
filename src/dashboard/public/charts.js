// Time-series line charts (uPlot), told apart by dash pattern as well as colour.
import uPlot from '/dashboard/vendor/uplot/uPlot.esm.js';

/**
 * How each series of a chart is drawn, in order. The colours (Okabe and Ito's
 * palette) stay distinct with colour blindness; the dash patterns, named in
 * each chart's caption and drawn in its legend, do without colour at all.
 */
const LINE_STYLES = [
  { stroke: '#0072b2', dash: [], name: 'solid', marker: 'solid' },
  { stroke: '#d55e00', dash: [9, 5], name: 'dashed', marker: 'dashed' },
  { stroke: '#009e73', dash: [2, 4], name: 'dotted', marker: 'dotted' },
  { stroke: '#cc79a7', dash: [14, 4, 3, 4], name: 'dash-dotted', marker: 'double' },
  { stroke: '#e69f00', dash: [4, 4], name: 'short-dashed', marker: 'dashed' },
  { stroke: '#56b4e9', dash: [20, 6], name: 'long-dashed', marker: 'dashed' },
  { stroke: '#000000', dash: [1, 6], name: 'sparsely dotted', marker: 'dotted' },
];

const HEIGHT = 220;
/** Whole steps only: the charts count things. */
const COUNT_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7,
];

/** @param {number} index */
function styleOf(index) {
  return LINE_STYLES[index % LINE_STYLES.length];
}

/**
 * "view solid, share dashed": the line of each label, for the caption.
 * @param {string[]} labels
 */
export function lineNames(labels) {
  return labels.map((label, index) => `${label} ${styleOf(index).name}`).join(', ');
}

/**
 * The points uPlot would leave out although no line shows them: a value with
 * no value on either side (the only minute with reads, the first sample).
 * @param {import('uplot')} plot
 * @param {number} seriesIndex
 * @param {boolean} allShown
 */
function isolatedPoints(plot, seriesIndex, allShown) {
  if (allShown) return null;
  const values = plot.data[seriesIndex];
  const isolated = [];
  for (let index = 0; index < values.length; index++) {
    if (values[index] != null && values[index - 1] == null && values[index + 1] == null) {
      isolated.push(index);
    }
  }
  return isolated.length > 0 ? isolated : null;
}

/**
 * A line chart over time drawn into the `.plot` element of a figure, as wide
 * as the figure.
 */
export class TimeChart {
  /**
   * @param {HTMLElement} figure
   * @param {{
   *   labels: string[],
   *   format: (value: number) => string,
   *   percent?: boolean,
   *   timeRange?: () => [number, number],
   * }} options `timeRange`: the span shown, in seconds since the epoch (default: the data's)
   */
  constructor(figure, { labels, format, percent = false, timeRange }) {
    this.plotElement = /** @type {HTMLElement} */ (figure.querySelector('.plot'));
    this.labels = labels;
    this.percent = percent;
    this.format = format;
    this.timeRange = timeRange;
    /** @type {import('uplot') | undefined} */
    this.plot = undefined;
    /** @type {(number | null)[][]} */
    this.data = [[], ...labels.map(() => [])];
    new ResizeObserver(() => this.resize()).observe(this.plotElement);
  }

  /**
   * Draws new data: times in seconds since the epoch and one value list per
   * label (null for no value). New labels redraw the chart from scratch.
   * @param {number[]} times
   * @param {(number | null)[][]} values
   * @param {string[]} [labels]
   */
  update(times, values, labels = this.labels) {
    if (labels.join('\n') !== this.labels.join('\n')) {
      this.labels = labels;
      this.plot?.destroy();
      this.plot = undefined;
    }
    this.data = [times, ...values];
    if (this.plot) this.plot.setData(this.data);
    else this.create();
  }

  /** Whether the chart is drawn (a figure that is hidden has no width yet). */
  get drawn() {
    return this.plot !== undefined;
  }

  create() {
    const width = this.plotElement.clientWidth;
    if (width === 0) return; // hidden: drawn once it is shown (see resize)
    const format = this.format;
    this.plot = new uPlot(
      {
        width,
        height: HEIGHT,
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: this.timeRange ? { time: true, range: this.timeRange } : { time: true },
          y: {
            range: this.percent ? [0, 100] : (_plot, _min, max) => [0, Math.max(max, 1) * 1.1],
          },
        },
        axes: [
          {},
          {
            size: 60,
            incrs: this.percent ? [10, 20, 25, 50] : COUNT_STEPS,
            values: (_plot, ticks) => ticks.map((tick) => format(tick)),
          },
        ],
        legend: {
          markers: { width: 3, dash: (_plot, index) => styleOf(index - 1).marker },
        },
        series: [
          { label: 'Time' },
          ...this.labels.map((label, index) => ({
            label,
            stroke: styleOf(index).stroke,
            dash: styleOf(index).dash,
            width: 2,
            points: { filter: isolatedPoints },
            value: (_plot, value) => (value === null || value === undefined ? '–' : format(value)),
          })),
        ],
      },
      /** @type {any} */ (this.data),
      this.plotElement,
    );
    // The figure's label and caption say what the chart shows; its legend would only repeat it.
    this.plot.root.setAttribute('aria-hidden', 'true');
  }

  resize() {
    const width = this.plotElement.clientWidth;
    if (width === 0) return;
    if (this.plot) this.plot.setSize({ width, height: HEIGHT });
    else this.create();
  }
}

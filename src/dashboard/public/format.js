// How numbers, times and durations read on the page (in the browser's language).

const numberFormat = new Intl.NumberFormat();
const percentFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const minuteFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** @param {number} value */
export const count = (value) => numberFormat.format(value);

/**
 * "1 read", "12 reads".
 * @param {number} value
 * @param {string} singular
 * @param {string} [plural]
 */
export const counted = (value, singular, plural = `${singular}s`) =>
  `${count(value)} ${value === 1 ? singular : plural}`;

/** @param {number} value a percentage, 0 to 100 */
export const percent = (value) => `${percentFormat.format(value)}%`;

/** @param {Date | number} time */
export const clockTime = (time) => timeFormat.format(time);

/** @param {Date | number} time */
export const minuteOf = (time) => minuteFormat.format(time);

/**
 * The time alone when it is today, else with its date.
 * @param {Date | number} time
 */
export function moment(time) {
  const date = new Date(time);
  return date.toDateString() === new Date().toDateString()
    ? timeFormat.format(date)
    : `${dateFormat.format(date)}, ${timeFormat.format(date)}`;
}

/** Units of {@link duration}, largest first. */
const UNITS = [
  ['d', 86_400],
  ['h', 3600],
  ['min', 60],
  ['s', 1],
];

/**
 * "2 h 5 min", "45 s": a number of seconds in its two largest units.
 * @param {number} seconds
 */
export function duration(seconds) {
  const left = Math.max(0, Math.round(seconds));
  const largest = UNITS.findIndex(([, size]) => left >= size);
  if (largest === -1) return '0 s';
  const [name, size] = UNITS[largest];
  const major = Math.floor(left / size);
  const next = UNITS[largest + 1];
  const minor = next === undefined ? 0 : Math.floor((left - major * size) / next[1]);
  return minor > 0 ? `${major} ${name} ${minor} ${next[0]}` : `${major} ${name}`;
}

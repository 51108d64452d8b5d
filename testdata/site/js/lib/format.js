// Number and text formatting shared by the trail list, the elevation chart
// and the journal pages. Everything here is pure, so it can be tested in Node
// without a DOM.

export const UNITS = Object.freeze({
  METRIC: "metric",
  IMPERIAL: "imperial",
});

const KM_PER_MILE = 1.609344;
const FEET_PER_METRE = 3.28084;

// Naismith's rule: 5 km/h on the flat plus one hour for every 600 m climbed.
const FLAT_SPEED_KMH = 5;
const ASCENT_METRES_PER_HOUR = 600;

const formatters = new Map();

/**
 * Returns a cached Intl.NumberFormat; creating one per call is surprisingly slow.
 * @param {number} maximumFractionDigits
 */
function numberFormat(maximumFractionDigits) {
  let formatter = formatters.get(maximumFractionDigits);
  if (!formatter) {
    formatter = new Intl.NumberFormat("en", { maximumFractionDigits });
    formatters.set(maximumFractionDigits, formatter);
  }
  return formatter;
}

/**
 * Formats a distance given in kilometres.
 * @param {number} km
 * @param {string} [units]
 * @returns {string}
 */
export function formatDistance(km, units = UNITS.METRIC) {
  if (!Number.isFinite(km) || km < 0) {
    throw new RangeError(`Invalid distance: ${km}`);
  }
  if (units === UNITS.IMPERIAL) {
    const miles = km / KM_PER_MILE;
    return `${numberFormat(1).format(miles)} mi`;
  }
  if (km < 1) {
    return `${numberFormat(0).format(km * 1000)} m`;
  }
  return `${numberFormat(1).format(km)} km`;
}

/**
 * Formats an elevation or an amount of climbing given in metres.
 * @param {number} metres
 * @param {string} [units]
 */
export function formatElevation(metres, units = UNITS.METRIC) {
  const unit = units === UNITS.IMPERIAL ? "ft" : "m";
  return `${numberFormat(0).format(Math.round(convertElevation(metres, units)))} ${unit}`;
}

/** Metres to the display unit (metres or feet), unrounded. */
export function convertElevation(metres, units = UNITS.METRIC) {
  return units === UNITS.IMPERIAL ? metres * FEET_PER_METRE : metres;
}

/**
 * Estimated walking time in minutes, rounded to five minutes because nobody
 * plans a hike to the minute.
 * @param {number} distanceKm
 * @param {number} [ascentM]
 */
export function estimateHikingTime(distanceKm, ascentM = 0) {
  const hours = distanceKm / FLAT_SPEED_KMH + Math.max(0, ascentM) / ASCENT_METRES_PER_HOUR;
  return Math.max(5, Math.round((hours * 60) / 5) * 5);
}

/**
 * @param {number} totalMinutes
 * @returns {string} e.g. "3 h 20 min"
 */
export function formatDuration(totalMinutes) {
  const hours = Math.floor(totalMinutes / 60);
  const minutes = Math.round(totalMinutes % 60);
  if (hours === 0) {
    return `${minutes} min`;
  }
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

export function pluralize(count, singular, plural = `${singular}s`) {
  return `${count} ${count === 1 ? singular : plural}`;
}

export function countWords(text) {
  const words = String(text).trim().match(/\S+/g);
  return words ? words.length : 0;
}

const HTML_ESCAPES = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

// Elevation profile chart. This module is loaded on demand, the first time a
// visitor asks for a profile, so the home page does not pay for it up front.

import { UNITS, convertElevation, formatDistance, formatElevation } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";

const DEFAULTS = {
  width: 640,
  height: 240,
  padding: { top: 16, right: 20, bottom: 32, left: 64 },
  units: UNITS.METRIC,
};

function svg(name, attributes = {}, children = []) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, String(value));
  }
  node.append(...children);
  return node;
}

function text(content, attributes) {
  const node = svg("text", attributes);
  node.textContent = content;
  return node;
}

/** Picks a round tick interval (1, 2 or 5 times a power of ten). */
function niceStep(range, targetTicks) {
  const rough = range / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  let nice = 1;
  if (residual > 5) {
    nice = 10;
  } else if (residual > 2) {
    nice = 5;
  } else if (residual > 1) {
    nice = 2;
  }
  return nice * magnitude;
}

export function summarize(trail) {
  const { profile } = trail;
  let climb = 0;
  for (let i = 1; i < profile.length; i += 1) {
    climb += Math.max(0, profile[i] - profile[i - 1]);
  }
  return {
    high: Math.max(...profile),
    low: Math.min(...profile),
    climb,
  };
}

export class ElevationChart {
  constructor(trail, options = {}) {
    if (!trail || !Array.isArray(trail.profile) || trail.profile.length < 2) {
      throw new TypeError("A trail needs at least two elevation samples");
    }
    this.trail = trail;
    this.options = {
      ...DEFAULTS,
      ...options,
      padding: { ...DEFAULTS.padding, ...options.padding },
    };
  }

  get innerWidth() {
    const { width, padding } = this.options;
    return width - padding.left - padding.right;
  }

  get innerHeight() {
    const { height, padding } = this.options;
    return height - padding.top - padding.bottom;
  }

  /**
   * Axis scales. Ticks are chosen in the display unit so that an imperial
   * chart gets round numbers of feet; `lo`, `hi` and `step` are in metres.
   */
  scales() {
    const { profile } = this.trail;
    const { padding, units } = this.options;
    const { high, low } = summarize(this.trail);
    const perMetre = convertElevation(1, units);
    const step = niceStep((high - low) * perMetre || 100, 4);
    const lo = (Math.floor((low * perMetre) / step) * step) / perMetre;
    const hi = (Math.ceil((high * perMetre) / step) * step) / perMetre;
    const x = (index) => padding.left + (index / (profile.length - 1)) * this.innerWidth;
    const y = (metres) => padding.top + (1 - (metres - lo) / (hi - lo)) * this.innerHeight;
    return { x, y, lo, hi, step: step / perMetre };
  }

  toSVG() {
    const { width, height, padding, units } = this.options;
    const { profile, distanceKm, name } = this.trail;
    const { x, y, lo, hi, step } = this.scales();

    const line = profile
      .map((metres, index) => `${index === 0 ? "M" : "L"}${x(index).toFixed(1)} ${y(metres).toFixed(1)}`)
      .join(" ");
    const baseline = y(lo).toFixed(1);
    const area = `${line} L${x(profile.length - 1).toFixed(1)} ${baseline} L${x(0).toFixed(1)} ${baseline} Z`;

    const grid = [];
    // Compare with a little slack: `step` is not exact in feet.
    for (let metres = lo; metres <= hi + step / 1000; metres += step) {
      const lineY = y(metres).toFixed(1);
      grid.push(
        svg("line", { class: "chart__grid", x1: padding.left, x2: width - padding.right, y1: lineY, y2: lineY }),
        text(formatElevation(metres, units), {
          class: "chart__label",
          x: padding.left - 8,
          y: Number(lineY) + 4,
          "text-anchor": "end",
        }),
      );
    }

    const title = svg("title");
    title.textContent = `Elevation profile of ${name}`;

    return svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" }, [
      title,
      ...grid,
      svg("path", { class: "chart__area", d: area }),
      svg("path", { class: "chart__line", d: line }),
      text("0", { class: "chart__label", x: padding.left, y: height - 8 }),
      text(formatDistance(distanceKm, units), {
        class: "chart__label",
        x: width - padding.right,
        y: height - 8,
        "text-anchor": "end",
      }),
    ]);
  }
}

/**
 * Draws the profile of `trail` into `container` (a <figure>), replacing
 * whatever was there.
 */
export function renderElevationChart(container, trail, options = {}) {
  const chart = new ElevationChart(trail, options);
  const { units } = chart.options;
  const { high, low, climb } = summarize(trail);

  const caption = document.createElement("figcaption");
  caption.textContent =
    `${trail.name}: ${formatDistance(trail.distanceKm, units)}, ` +
    `high point ${formatElevation(high, units)}, low point ${formatElevation(low, units)}, ` +
    `about ${formatElevation(climb, units)} of climbing.`;

  container.replaceChildren(chart.toSVG(), caption);
  return chart;
}

// Small DOM helpers. The site has no framework, and these few functions are
// all it needs.

import { escapeHtml } from "./format.js";

export const $ = (selector, root = document) => root.querySelector(selector);

export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** Resolves once the document has been parsed. */
export function ready() {
  if (document.readyState !== "loading") {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    document.addEventListener("DOMContentLoaded", () => resolve(), { once: true });
  });
}

/** Markup that has already been escaped and can be inserted as is. */
class SafeHtml {
  constructor(value) {
    this.value = value;
  }

  toString() {
    return this.value;
  }
}

function toHtml(value) {
  if (value instanceof SafeHtml) {
    return value.value;
  }
  if (Array.isArray(value)) {
    return value.map(toHtml).join("");
  }
  if (value === null || value === undefined || value === false) {
    return "";
  }
  return escapeHtml(value);
}

/**
 * Tagged template that escapes every interpolated value, except the results
 * of other `html` templates, so that trail names cannot inject markup.
 *
 *   html`<li>${trail.name}</li>`
 */
export function html(strings, ...values) {
  const markup = strings.reduce((result, chunk, index) => result + toHtml(values[index - 1]) + chunk);
  return new SafeHtml(markup);
}

export function render(target, markup) {
  target.innerHTML = String(markup);
}

/** Calls `handler(event, match)` for events on descendants matching `selector`. */
export function delegate(root, type, selector, handler) {
  root.addEventListener(type, (event) => {
    const match = event.target instanceof Element ? event.target.closest(selector) : null;
    if (match && root.contains(match)) {
      handler(event, match);
    }
  });
}

/** A polite live region for status messages read out by screen readers. */
export class Announcer {
  constructor(parent = document.body) {
    this.region = document.createElement("div");
    this.region.className = "visually-hidden";
    this.region.setAttribute("role", "status");
    this.region.setAttribute("aria-live", "polite");
    parent.append(this.region);
    this.timer = 0;
  }

  say(message) {
    // Empty the region first so that the same message twice is read twice.
    this.region.textContent = "";
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.region.textContent = message;
    }, 50);
  }
}

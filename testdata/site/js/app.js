/*!
 * Ridgeway trail guide v2.3.0
 * (c) 2026 Ridgeway Outdoors. Released under the MIT License.
 */

// Entry point for every page. Each feature looks for its mount point and
// quietly does nothing on pages that do not have one.

import {
  UNITS,
  countWords,
  estimateHikingTime,
  formatDistance,
  formatDuration,
  formatElevation,
  pluralize,
} from "./lib/format.js";
import { $, $$, Announcer, delegate, html, ready, render } from "./lib/dom.js";

// Resolved against this module rather than the page, so it works from any
// page depth and from whatever host the files end up on.
const MARKER_ICON_URL = new URL("../images/trail-marker.svg", import.meta.url);

const UNITS_STORAGE_KEY = "ridgeway:units";
const WORDS_PER_MINUTE = 220;

/**
 * Featured trails. Profiles are elevations in metres sampled at even
 * intervals along the route; `ascentM` is the measured total climb.
 */
export const TRAILS = [
  {
    id: "larch-lake",
    name: "Larch Lake Loop",
    region: "Millbrook",
    difficulty: "easy",
    distanceKm: 9.4,
    ascentM: 340,
    profile: [
      1180, 1192, 1214, 1251, 1298, 1342, 1390, 1431, 1466, 1488,
      1502, 1495, 1470, 1436, 1392, 1345, 1297, 1251, 1212, 1182,
    ],
  },
  {
    id: "crest-gap",
    name: "Crest Gap Traverse",
    region: "North Ridge",
    difficulty: "hard",
    distanceKm: 14.2,
    ascentM: 780,
    profile: [
      1320, 1365, 1418, 1480, 1547, 1611, 1668, 1722, 1781, 1842,
      1896, 1930, 1952, 1938, 1905, 1874, 1890, 1921, 1960, 1987,
      1964, 1918, 1861, 1792, 1724, 1650, 1581, 1512, 1448, 1386,
    ],
  },
  {
    id: "saddle-hut",
    name: "Saddle Hut via Millbrook",
    region: "Millbrook",
    difficulty: "moderate",
    distanceKm: 6.8,
    ascentM: 540,
    profile: [1105, 1138, 1181, 1229, 1286, 1341, 1398, 1452, 1503, 1551, 1590, 1612, 1627, 1634],
  },
  {
    id: "hollin-summit",
    name: "Mount Hollin Summit",
    region: "Hollin Massif",
    difficulty: "hard",
    distanceKm: 11.6,
    ascentM: 800,
    profile: [
      1360, 1402, 1455, 1511, 1573, 1640, 1702, 1771, 1838, 1902, 1959, 2014,
      2061, 2103, 2140, 2102, 2044, 1973, 1888, 1795, 1702, 1611, 1522, 1440,
    ],
  },
];

function readStoredUnits() {
  try {
    const stored = window.localStorage.getItem(UNITS_STORAGE_KEY);
    return Object.values(UNITS).includes(stored) ? stored : null;
  } catch {
    // Storage can be disabled (private mode, strict cookie settings).
    return null;
  }
}

function storeUnits(units) {
  try {
    window.localStorage.setItem(UNITS_STORAGE_KEY, units);
  } catch {
    // Not being able to remember the choice is fine.
  }
}

function defaultUnits() {
  const language = navigator.language || "en";
  return /^en-(US|LR)$/i.test(language) || language === "my" ? UNITS.IMPERIAL : UNITS.METRIC;
}

class TrailList {
  constructor(root, { units, onShowProfile }) {
    this.root = root;
    this.units = units;
    this.onShowProfile = onShowProfile;

    delegate(root, "click", "[data-profile]", (event, button) => {
      event.preventDefault();
      const trail = TRAILS.find((candidate) => candidate.id === button.dataset.profile);
      if (trail) {
        this.onShowProfile(trail, this.units);
      }
    });
  }

  setUnits(units) {
    this.units = units;
    this.render();
  }

  renderItem(trail) {
    const minutes = estimateHikingTime(trail.distanceKm, trail.ascentM);
    return html`
      <li class="trail-card trail-card--${trail.difficulty}" data-trail="${trail.id}">
        <img class="trail-card__icon" src="${MARKER_ICON_URL.href}" width="32" height="32" alt="">
        <h3 class="trail-card__name">${trail.name}</h3>
        <p class="trail-card__meta">
          ${trail.region} · ${formatDistance(trail.distanceKm, this.units)} ·
          ${formatElevation(trail.ascentM, this.units)} of climbing
        </p>
        <p class="trail-card__time">About ${formatDuration(minutes)} · ${trail.difficulty}</p>
        <button class="trail-card__profile" type="button" data-profile="${trail.id}" data-track="profile-${trail.id}">
          Elevation profile
        </button>
      </li>`;
  }

  render() {
    render(this.root, TRAILS.map((trail) => this.renderItem(trail)).join(""));
  }
}

// The chart code is only fetched the first time someone asks for a profile.
let chartModule = null;

function loadChart() {
  if (!chartModule) {
    chartModule = import("./lib/lazy-chart.js");
  }
  return chartModule;
}

async function showProfile(figure, trail, units, announcer) {
  try {
    const { renderElevationChart } = await loadChart();
    renderElevationChart(figure, trail, { units });
    figure.hidden = false;
    figure.scrollIntoView({ behavior: "smooth", block: "nearest" });
    announcer.say(`Showing the elevation profile of ${trail.name}.`);
  } catch (error) {
    chartModule = null; // allow a retry
    console.error("Could not draw the elevation profile", error);
    announcer.say("Sorry, the elevation profile could not be loaded. Please try again.");
  }
}

function initTrails(announcer) {
  const list = $("#trail-list");
  if (!list) {
    return;
  }
  const figure = $("#profile-chart");
  const units = readStoredUnits() || defaultUnits();
  let currentTrail = null;

  const trails = new TrailList(list, {
    units,
    onShowProfile: (trail, selectedUnits) => {
      currentTrail = trail;
      if (figure) {
        showProfile(figure, trail, selectedUnits, announcer);
      }
    },
  });
  trails.render();

  const toggle = $("#unit-toggle");
  if (toggle) {
    for (const input of $$("input[name='units']", toggle)) {
      input.checked = input.value === units;
    }
    toggle.addEventListener("change", (event) => {
      const next = event.target.value;
      storeUnits(next);
      trails.setUnits(next);
      if (currentTrail && figure && !figure.hidden) {
        showProfile(figure, currentTrail, next, announcer);
      }
      announcer.say(next === UNITS.IMPERIAL ? "Showing miles and feet." : "Showing kilometres and metres.");
    });
  }
}

function initReadingTime() {
  const article = $("[data-reading-time]");
  const output = $("[data-reading-time-output]");
  if (!article || !output) {
    return;
  }
  const words = countWords(article.textContent);
  const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
  output.textContent = `${minutes} min read`;
  output.title = pluralize(words, "word");
}

function initCopyLinks(announcer) {
  for (const button of $$("[data-copy-link]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(window.location.href);
        announcer.say("Link copied to the clipboard.");
      } catch {
        // No clipboard access (insecure context, permissions, old browser).
        announcer.say("Copying failed. You can copy the address from the address bar.");
      }
    });
  }
}

function setCurrentYear() {
  const year = String(new Date().getFullYear());
  for (const node of $$("[data-current-year]")) {
    node.textContent = year;
  }
}

async function main() {
  document.documentElement.classList.add("js");
  await ready();
  const announcer = new Announcer(document.body);
  setCurrentYear();
  initTrails(announcer);
  initReadingTime();
  initCopyLinks(announcer);
}

main().catch((error) => {
  console.error("Ridgeway failed to start", error);
});

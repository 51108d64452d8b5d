/*
 * Ridgeway page analytics.
 *
 * A classic script (loaded with `defer`) so that it also runs in the few
 * browsers we still see without module support. It records page views and
 * clicks on elements with a data-track attribute. Events are kept in memory
 * and only sent when the deployment sets data-analytics-endpoint on <html>;
 * visitors with Do Not Track or Global Privacy Control are never counted.
 */
(function (window, document) {
  "use strict";

  var MAX_QUEUE = 50;
  var SESSION_KEY = "ridgeway:session";
  var queue = [];
  var endpoint = document.documentElement.getAttribute("data-analytics-endpoint");

  function optedOut() {
    var nav = window.navigator || {};
    return nav.doNotTrack === "1" || window.doNotTrack === "1" || nav.globalPrivacyControl === true;
  }

  function sessionId() {
    var id;
    try {
      id = window.sessionStorage.getItem(SESSION_KEY);
      if (!id) {
        id = Math.random().toString(36).slice(2, 10);
        window.sessionStorage.setItem(SESSION_KEY, id);
      }
    } catch (e) {
      id = "no-storage";
    }
    return id;
  }

  function debugEnabled() {
    return /[?&]debug-analytics\b/.test(window.location.search);
  }

  function track(name, data) {
    if (optedOut()) {
      return;
    }
    var event = {
      name: name,
      path: window.location.pathname,
      time: Date.now(),
      session: sessionId(),
      data: data || null
    };
    queue.push(event);
    if (queue.length > MAX_QUEUE) {
      queue.shift();
    }
    if (debugEnabled() && window.console) {
      window.console.debug("[analytics]", event);
    }
  }

  function flush() {
    if (!endpoint || queue.length === 0 || !window.navigator.sendBeacon) {
      return;
    }
    var payload = JSON.stringify(queue.splice(0, queue.length));
    try {
      window.navigator.sendBeacon(endpoint, payload);
    } catch (e) {
      // A lost batch of page views is not worth bothering the visitor with.
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var tracked = target && target.closest ? target.closest("[data-track]") : null;
    if (tracked) {
      track("click", { id: tracked.getAttribute("data-track") });
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });

  track("pageview", {
    title: document.title,
    referrer: document.referrer || null
  });

  window.ridgewayAnalytics = {
    track: track,
    flush: flush,
    pending: function () {
      return queue.slice();
    }
  };
})(window, document);

importScripts("helper.js", `util/format.js`);
self.onmessage = (e) => self.postMessage(format(helper(e.data)));

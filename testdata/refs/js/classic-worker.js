importScripts("./imported.js");
self.onmessage = function (e) { self.postMessage(imported(e.data)); };

const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/lazy.js","assets/lazy.css"])))=>i.map(i=>d[i]);
// Vite's preload helper: the URLs it computes are the preload list's.
function preload(load, deps) {
  const url = (dep) => import.meta.resolve ? new URL(import.meta.resolve(dep)) : new URL(dep, import.meta.url);
  const fail = (err) => { const e = new Event(`vite:preloadError`); e.payload = err; window.dispatchEvent(e); };
  return Promise.all((deps || []).map((d) => fetch(url("/" + d)))).then(load, fail);
}
preload(() => import(`./lazy.js`).then((m) => m.run()), __vite__mapDeps([0, 1]));
const worker = new Worker(new URL(`/assets/worker.js`, `` + import.meta.url), { type: "module" });
const icon = new URL("icon.svg", import.meta.url);
const classic = new Worker("/assets/classic.js");
const resolved = import.meta.resolve("./resolved.js");
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/push.js");
const lang = document.documentElement.lang;
import(`./locale/${lang}.js`);
export { worker, icon, classic, resolved };

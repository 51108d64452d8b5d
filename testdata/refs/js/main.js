import { format } from "./lib.js";
import * as react from "react";
export { helper } from "./util/helper.js";
export * from "./a.js";
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const classic = new Worker("/js/classic-worker.js");
const icon = new URL("../img/icon.png", import.meta.url);
// A property named like a file, and a string that is a file name but not a reference.
const app = { js: 1 };
console.log(app.js, "app.js", format(icon.href), react, worker, classic);
document.querySelector("button")?.addEventListener("click", () => import("./lazy.js"));
// Computed: left alone, and counted in the report.
import(location.hash.slice(1));

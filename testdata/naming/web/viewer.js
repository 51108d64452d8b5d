export const workerSrc = { value: "../build/pdf.worker.js" };
import { util } from "./util.js";
const worker = new Worker(new URL(workerSrc.value, import.meta.url), { type: "module" });
worker.onmessage = (e) => {
  document.getElementById("worker").textContent = `answer ${e.data + util}`;
  window.done("worker");
};
worker.postMessage("ask");

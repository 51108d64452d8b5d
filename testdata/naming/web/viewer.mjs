export const workerSrc = { value: "../build/pdf.worker.mjs" };
import { util } from "./util.mjs";
console.log(util, workerSrc);

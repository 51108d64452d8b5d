import { c3 } from "./c3.js";
export const c2 = () => c3;

import { c1 } from "./c1.js";
export const c3 = () => c1;

import { c2 } from "./c2.js";
export const c1 = () => c2;

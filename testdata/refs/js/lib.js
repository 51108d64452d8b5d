export function lib() { return "lib"; }
export function format(x) { return String(x); }

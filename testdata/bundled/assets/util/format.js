function format(x) { return String(x); }

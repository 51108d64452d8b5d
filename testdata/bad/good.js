// A script with nothing wrong in it: minified as usual.
export const answer = () => 40 + 2;

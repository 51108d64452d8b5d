export const resolved = true;

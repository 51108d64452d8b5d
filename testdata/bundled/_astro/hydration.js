export const hydrated = true;

export const marker = "static-js-marker";

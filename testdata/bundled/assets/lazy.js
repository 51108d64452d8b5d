export function run() { document.body.dataset.lazy = "ran"; }

// Shared by the entry and the lazy chunk, so the lazy chunk imports from the entry.
export function show(id, text) {
  document.getElementById(id).textContent = text;
}

export function finish(text) {
  show('status', text);
  document.title = text;
}

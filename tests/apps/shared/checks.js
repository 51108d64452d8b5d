// The checks every app runs, shared by all of them (scripts/build-apps copies
// this folder into each app's src/). Only what a bundler must see stays in
// each app's main.js: how it names the image, the worker and the lazy chunk.
import { show, finish } from './status.js';

export function loadImage(photoUrl) {
  return new Promise((resolve, reject) => {
    const img = document.getElementById('photo');
    img.onload = () => (img.naturalWidth === 640 ? resolve() : reject(new Error(`image is ${img.naturalWidth}px wide`)));
    img.onerror = () => reject(new Error(`image failed: ${photoUrl}`));
    img.src = photoUrl;
  });
}

export function askWorker(worker) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      show('worker', event.data);
      event.data === 'answer 42' ? resolve() : reject(new Error(`worker said ${event.data}`));
    };
    worker.onerror = () => reject(new Error('worker failed to load'));
    worker.postMessage(20);
  });
}

export async function loadFont() {
  const faces = await document.fonts.load('400 16px Inter');
  if (!faces.length) throw new Error('font Inter did not load');
  await document.fonts.ready;
  show('font', 'Inter loaded');
}

export function runAll(checks) {
  Promise.all(checks).then(
    () => finish('ok'),
    (err) => finish(`error: ${err.message}`),
  );
}

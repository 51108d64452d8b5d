import './style.css';
import photoUrl from './photo.png';
import { show, finish } from './status.js';

function loadImage() {
  return new Promise((resolve, reject) => {
    const img = document.getElementById('photo');
    img.onload = () => (img.naturalWidth === 640 ? resolve() : reject(new Error(`image is ${img.naturalWidth}px wide`)));
    img.onerror = () => reject(new Error(`image failed: ${photoUrl}`));
    img.src = photoUrl;
  });
}

function askWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event) => {
      show('worker', event.data);
      event.data === 'answer 42' ? resolve() : reject(new Error(`worker said ${event.data}`));
    };
    worker.onerror = () => reject(new Error('worker failed to load'));
    worker.postMessage(20);
  });
}

async function loadFont() {
  const faces = await document.fonts.load('400 16px Inter');
  if (!faces.length) throw new Error('font Inter did not load');
  await document.fonts.ready;
  show('font', 'Inter loaded');
}

async function loadLazy() {
  const lazy = await import('./lazy.js');
  lazy.run();
}

Promise.all([loadImage(), askWorker(), loadFont(), loadLazy()]).then(
  () => finish('ok'),
  (err) => finish(`error: ${err.message}`),
);

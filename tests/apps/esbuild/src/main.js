import './style.css';
import photoUrl from './photo.png';
// The worker, bundled on its own first (esbuild does not follow new Worker()),
// comes in through the file loader: a hashed file and its URL.
import workerUrl from '../build/app.worker.js';
import { loadImage, askWorker, loadFont, runAll } from './shared/checks.js';

runAll([
  loadImage(photoUrl),
  askWorker(new Worker(new URL(workerUrl, import.meta.url), { type: 'module' })),
  loadFont(),
  import('./lazy.js').then((lazy) => lazy.run()),
]);

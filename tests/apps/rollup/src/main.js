import './style.css';
import { loadImage, askWorker, loadFont, runAll } from './shared/checks.js';

runAll([
  loadImage(new URL('./photo.png', import.meta.url)),
  askWorker(new Worker(new URL('./shared/worker.js', import.meta.url), { type: 'module' })),
  loadFont(),
  import('./lazy.js').then((lazy) => lazy.run()),
]);

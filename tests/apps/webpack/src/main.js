import './style.css';
import photoUrl from './photo.png';
import { loadImage, askWorker, loadFont, runAll } from './shared/checks.js';

runAll([
  loadImage(photoUrl),
  askWorker(new Worker(new URL('./shared/worker.js', import.meta.url), { type: 'module' })),
  loadFont(),
  import('./lazy.js').then((lazy) => lazy.run()),
]);

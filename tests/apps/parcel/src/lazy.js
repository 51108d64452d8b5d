import './lazy.css';
import { show } from './shared/status.js';

export function run() {
  show('lazy', 'lazy chunk ran');
  document.getElementById('lazy').classList.add('lazy-done');
}

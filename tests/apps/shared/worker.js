import { answer } from './answer.js';

self.onmessage = (event) => {
  self.postMessage(`answer ${answer(event.data)}`);
};

self.onmessage = () => postMessage(42);

function imported(x) { return x; }

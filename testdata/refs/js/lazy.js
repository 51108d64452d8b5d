export default function lazy() { return 42; }

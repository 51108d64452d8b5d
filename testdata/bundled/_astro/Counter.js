export default function Counter() { return 1; }

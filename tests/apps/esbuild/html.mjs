// Writes dist/index.html from index.html, naming the hashed entry files that
// esbuild's metafile lists for src/main.js.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const meta = JSON.parse(readFileSync('dist/meta.json', 'utf8'));
const entry = Object.entries(meta.outputs).find(([, out]) => out.entryPoint === 'src/main.js');
if (!entry) throw new Error('dist/meta.json has no output for src/main.js');
const [js, { cssBundle }] = entry;
const files = { 'main.js': js, 'main.css': cssBundle };
const html = readFileSync('index.html', 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_, key) => {
  if (!files[key]) throw new Error(`no output for {{${key}}}`);
  return path.posix.relative('dist', files[key]);
});
writeFileSync('dist/index.html', html);

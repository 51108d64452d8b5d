import { readFile } from 'node:fs/promises';
import path from 'node:path';
import html from '@rollup/plugin-html';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// `new URL('./file', import.meta.url)`: a .js file becomes a chunk of its own
// (the worker), anything else an asset; the URL points at the emitted file.
function importMetaUrls() {
  const pattern = /new URL\((['"])(\.{1,2}\/[^'"]+)\1,\s*import\.meta\.url\)/g;
  return {
    name: 'import-meta-urls',
    async transform(code, id) {
      if (!id.endsWith('.js') || !pattern.test(code)) return null;
      pattern.lastIndex = 0;
      let out = '';
      let last = 0;
      for (const m of code.matchAll(pattern)) {
        const file = path.resolve(path.dirname(id), m[2]);
        const ref = file.endsWith('.js')
          ? this.emitFile({ type: 'chunk', id: file, name: path.basename(file, '.js') })
          : this.emitFile({ type: 'asset', name: path.basename(file), source: await readFile(file) });
        this.addWatchFile(file);
        out += code.slice(last, m.index) + `new URL(import.meta.ROLLUP_FILE_URL_${ref})`;
        last = m.index + m[0].length;
      }
      return { code: out + code.slice(last), map: null };
    },
  };
}

// CSS imported from JS: @import inlined (resolved like JS, so packages work),
// url() files emitted as assets, one stylesheet emitted per build.
function css() {
  const sheets = new Map();
  async function inline(plugin, id) {
    let text = await readFile(id, 'utf8');
    const imports = [...text.matchAll(/@import\s+['"]([^'"]+)['"]\s*;/g)];
    for (const m of imports) {
      const resolved = await plugin.resolve(m[1], id);
      if (!resolved) plugin.error(`cannot resolve @import '${m[1]}' in ${id}`);
      text = text.replace(m[0], await inline(plugin, resolved.id));
    }
    const urls = [...text.matchAll(/url\((['"]?)(\.{1,2}\/[^'")]+)\1\)/g)];
    for (const m of urls) {
      const file = path.resolve(path.dirname(id), m[2]);
      const ref = plugin.emitFile({ type: 'asset', name: path.basename(file), source: await readFile(file) });
      text = text.replace(m[0], `url(__ASSET_${ref}__)`);
    }
    return text;
  }
  return {
    name: 'css',
    async load(id) {
      if (!id.endsWith('.css')) return null;
      sheets.set(id, await inline(this, id));
      return { code: '', moduleSideEffects: true };
    },
    generateBundle() {
      const ids = [...this.getModuleIds()].filter((id) => sheets.has(id));
      if (!ids.length) return;
      // The stylesheet is written to assets/, beside the files it names.
      const source = ids.map((id) => sheets.get(id)).join('\n').replace(/__ASSET_(\w+)__/g, (_, r) =>
        path.posix.relative('assets', this.getFileName(r)));
      this.emitFile({ type: 'asset', name: 'style.css', source });
    },
  };
}

function page({ bundle }) {
  const files = Object.values(bundle);
  const main = files.find((f) => f.type === 'chunk' && f.isEntry && f.name === 'main');
  const styles = files.filter((f) => f.fileName.endsWith('.css'));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>loading</title>
${styles.map((f) => `  <link rel="stylesheet" href="${f.fileName}">`).join('\n')}
  <script type="module" src="${main.fileName}"></script>
</head>
<body>
  <h1>Rollup app</h1>
  <p>lazy: <span id="lazy">waiting</span></p>
  <p>worker: <span id="worker">waiting</span></p>
  <p>font: <span id="font">waiting</span></p>
  <p><img id="photo" alt="test photo" width="320" height="200"></p>
  <p>status: <strong id="status">loading</strong></p>
</body>
</html>
`;
}

export default {
  input: { main: 'src/main.js' },
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name]-[hash].js',
    chunkFileNames: '[name]-[hash].js',
    assetFileNames: 'assets/[name]-[hash][extname]',
  },
  plugins: [nodeResolve(), importMetaUrls(), css(), terser(), html({ template: page })],
};

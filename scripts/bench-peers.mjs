// Node side of scripts/bench: runs @swc/core's minifier, reads assetpress's
// JSON report, and renders the collected measurements as Markdown.
//
//   node bench-peers.mjs swc-files TOOLS_DIR OUT_DIR RUNS [m:|s:]FILE...
//       minify each file RUNS times in this process (m: = ES module, s: = script),
//       write OUT_DIR/<basename>, print "<basename>\t<median in-process ms>"
//   node bench-peers.mjs swc-seq TOOLS_DIR OUT_DIR [m:|s:]FILE...
//       minify each file once, one after another (the caller times the process)
//   node bench-peers.mjs report JSON_FILE...
//       print "<path>\t<kind>\t<status>\t<bytes_out>\t<median time_ms>" per file of the
//       first report (time_ms is the median over all the reports), then "wall_ms\t<median>"
//   node bench-peers.mjs render RESULTS_TSV
//       print the Markdown report
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [mode, ...args] = process.argv.slice(2);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function parseInput(arg) {
  const m = /^([ms]):(.*)$/s.exec(arg);
  if (!m) throw new Error(`expected m:FILE or s:FILE, got ${arg}`);
  return { isEsm: m[1] === 'm', file: m[2] };
}

function loadSwc(toolsDir) {
  return createRequire(join(toolsDir, 'package.json'))('@swc/core');
}

async function swcFiles(toolsDir, outDir, runs, inputs) {
  const swc = loadSwc(toolsDir);
  for (const { isEsm, file } of inputs.map(parseInput)) {
    const code = readFileSync(file, 'utf8');
    const times = [];
    let out;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      out = await swc.minify(code, { compress: true, mangle: true, module: isEsm });
      times.push(performance.now() - t);
    }
    writeFileSync(join(outDir, basename(file)), out.code);
    process.stdout.write(`${basename(file)}\t${median(times).toFixed(1)}\n`);
  }
}

async function swcSeq(toolsDir, outDir, inputs) {
  const swc = loadSwc(toolsDir);
  for (const { isEsm, file } of inputs.map(parseInput)) {
    const out = await swc.minify(readFileSync(file, 'utf8'), { compress: true, mangle: true, module: isEsm });
    writeFileSync(join(outDir, basename(file)), out.code);
  }
}

function report(files) {
  const reports = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const times = new Map();
  for (const r of reports) {
    for (const f of r.files) {
      if (!times.has(f.path)) times.set(f.path, []);
      if (typeof f.time_ms === 'number') times.get(f.path).push(f.time_ms);
    }
  }
  let out = '';
  for (const f of reports[0].files) {
    const ms = median(times.get(f.path));
    out += [f.path, f.kind, f.status, f.bytes_out, Number.isNaN(ms) ? '' : ms.toFixed(1), f.output ?? f.path].join('\t') + '\n';
  }
  const wall = median(reports.map((r) => r.totals?.wall_ms).filter((x) => typeof x === 'number'));
  out += `wall_ms\t${Number.isNaN(wall) ? '' : wall.toFixed(1)}\n`;
  process.stdout.write(out);
}

// ---- Markdown ----

const int = (n) => (n === undefined || n === '' || Number.isNaN(Number(n)) ? '—' : Number(n).toLocaleString('en-US'));
const ms = (n) => {
  if (n === undefined || n === '' || Number.isNaN(Number(n))) return '—';
  const v = Number(n);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
};
const pct = (a, b) => (a && b ? `${((100 * a) / b).toFixed(1)}%` : '—');
const table = (head, rows, align) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (align?.[i] === 'l' ? ':---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

function render(tsv) {
  const meta = new Map();
  const inputs = { js: [], css: [] };
  const outs = new Map(); // "section/file/tool" -> {raw, gz, ms, note}
  const walls = [];
  for (const line of readFileSync(tsv, 'utf8').split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    if (c[0] === 'meta') meta.set(c[1], c.slice(2).join('\t'));
    else if (c[0] === 'in') inputs[c[1]].push({ file: c[2], raw: +c[3], gz: +c[4] });
    else if (c[0] === 'out')
      outs.set(`${c[1]}/${c[2]}/${c[3]}`, { raw: +c[4], gz: +c[5], ms: c[6] === '' ? undefined : +c[6], note: c[7] || '' });
    else if (c[0] === 'wall') walls.push({ key: c[1], label: c[2], median: +c[3], runs: c[4] || '' });
  }
  const get = (section, file, tool) => outs.get(`${section}/${file}/${tool}`);
  const cell = (o) => (o && o.raw ? `${int(o.raw)} / ${int(o.gz)}` : 'failed');
  const misses = [];
  const md = [];

  md.push('## Benchmark: assetpress vs esbuild, terser, @swc/core, lightningcss-cli', '');
  md.push(`Run ${meta.get('date')} with:`, '', '```sh', meta.get('command'), '```', '');
  md.push(
    table(
      ['', ''],
      [
        ['machine', `${meta.get('cpu')}, ${meta.get('nproc')} cores (nproc), ${meta.get('mem')} RAM, ${meta.get('os')}`],
        ['load average before the run', meta.get('load')],
        ['assetpress', `${meta.get('assetpress')} (\`${meta.get('bin')}\`, ${meta.get('profile')})`],
        ['node', meta.get('node')],
        ['peers (npm, pinned)', meta.get('peers')],
        ['targets', `\`${meta.get('targets')}\` (browserslist) for assetpress and lightningcss-cli`],
        ['runs', `median of ${meta.get('runs')} unless noted; terser: ${meta.get('terser_runs')} run(s) per file`],
      ],
      ['l', 'l'],
    ),
    '',
  );
  if (meta.get('warning')) md.push(`> **Note:** ${meta.get('warning')}`, '');
  const q = meta.get('targets');
  md.push(
    'How each tool is run (`M` = the file is an ES module):',
    '',
    [
      `- assetpress: \`assetpress build DIR --out OUT --json --no-source-maps --targets "${q}"${meta.get('jobs_flag')}\` over one folder with every file; sizes and \`time_ms\` come from its report`,
      '- esbuild: `esbuild FILE --minify --outfile=OUT` (JS and CSS; it keeps an ES module an ES module)',
      '- terser: `terser FILE -c -m [--module if M] -o OUT`',
      '- @swc/core: `await minify(code, {compress: true, mangle: true, module: M})`, one node process for all files',
      `- lightningcss-cli: \`BROWSERSLIST="${q}" lightningcss --minify --error-recovery --browserslist FILE -o OUT\``,
    ].join('\n'),
    '',
  );

  // ---- JavaScript ----
  const jsTools = ['esbuild', 'terser', 'swc'];
  const toolName = { assetpress: 'assetpress', esbuild: 'esbuild', terser: 'terser', swc: '@swc/core', lightningcss: 'lightningcss-cli' };
  md.push('### JavaScript: size per file', '');
  md.push(
    'Bytes as `raw / gzip -9` (every output, the input included, compressed the same way: `gzip -9 -c FILE | wc -c`). ' +
      'assetpress runs with `--no-source-maps` (the peers write no maps either). ' +
      '"best peer" is the smallest gzip of esbuild, terser and @swc/core. ' +
      'Targets: assetpress gzip ≤ esbuild gzip for every library, and within 1% of the best peer.',
    '',
  );
  const jsRows = [];
  const jsSum = { input: [0, 0], assetpress: [0, 0], esbuild: [0, 0], terser: [0, 0], swc: [0, 0] };
  for (const { file, raw, gz } of inputs.js) {
    const ap = get('js', file, 'assetpress');
    const peers = jsTools.map((t) => [t, get('js', file, t)]).filter(([, o]) => o && o.gz);
    const best = peers.reduce((a, b) => (!a || b[1].gz < a[1].gz ? b : a), null);
    const es = get('js', file, 'esbuild');
    jsSum.input[0] += raw;
    jsSum.input[1] += gz;
    for (const t of ['assetpress', ...jsTools]) {
      const o = get('js', file, t);
      if (o && o.raw) {
        jsSum[t][0] += o.raw;
        jsSum[t][1] += o.gz;
      }
    }
    const flags = [];
    if (!ap || !ap.gz) flags.push('**MISS**: no assetpress output');
    else {
      if (ap.note && ap.note !== 'minified') flags.push(`**MISS**: status ${ap.note}`);
      if (es && es.gz && ap.gz > es.gz) flags.push(`**MISS**: > esbuild by ${int(ap.gz - es.gz)} B`);
      if (best && ap.gz > best[1].gz * 1.01) flags.push(`**MISS**: > ${toolName[best[0]]} + 1%`);
    }
    if (flags.length) misses.push(`${file}: ${flags.join('; ').replaceAll('**MISS**: ', '')}`);
    jsRows.push([
      file,
      `${int(raw)} / ${int(gz)}`,
      cell(ap),
      ...jsTools.map((t) => cell(get('js', file, t))),
      pct(ap?.gz, es?.gz),
      best ? `${pct(ap?.gz, best[1].gz)} (${toolName[best[0]]})` : '—',
      flags.length ? flags.join('; ') : 'ok',
    ]);
  }
  const sumCell = (s) => `**${int(s[0])} / ${int(s[1])}**`;
  jsRows.push([
    '**total**',
    sumCell(jsSum.input),
    sumCell(jsSum.assetpress),
    ...jsTools.map((t) => sumCell(jsSum[t])),
    pct(jsSum.assetpress[1], jsSum.esbuild[1]),
    '',
    '',
  ]);
  md.push(
    table(['file', 'input', 'assetpress', 'esbuild', 'terser', '@swc/core', 'ap gz / esbuild gz', 'ap gz / best peer gz', 'targets'], jsRows, [
      'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l',
    ]),
    '',
  );

  md.push('### JavaScript: time per file (ms)', '');
  md.push(
    [
      `- assetpress: \`time_ms\` from its JSON report — in-process transform time of that one file (parse, minify, print), while the whole folder runs in parallel on ${meta.get('jobs')} worker thread(s); median over the ${meta.get('runs')} whole-folder runs.`,
      `- esbuild, terser: wall time of one CLI process for that file (node or Go startup included); esbuild median of ${meta.get('runs')}, terser ${meta.get('terser_runs')} run(s).`,
      `- @swc/core: in-process time of one \`await minify(code, {compress: true, mangle: true, module})\` call in a warm node process, median of ${meta.get('runs')}.`,
      '- ES modules (parsed as modules by every tool: terser `--module`, swc `module: true`; esbuild detects them and keeps the format): ' +
        (meta.get('esm') || 'none') + '.',
    ].join('\n'),
    '',
  );
  const tRows = inputs.js.map(({ file }) => [file, ...['assetpress', ...jsTools].map((t) => ms(get('js', file, t)?.ms))]);
  tRows.push(['**total**', ...['assetpress', ...jsTools].map((t) => `**${ms(inputs.js.reduce((a, { file }) => a + (get('js', file, t)?.ms || 0), 0))}**`)]);
  md.push(table(['file', 'assetpress (in-process, parallel)', 'esbuild (process)', 'terser (process)', '@swc/core (in-process)'], tRows, ['l']), '');

  // ---- CSS ----
  md.push('### CSS: size per file', '');
  md.push(
    'Bytes as `raw / gzip -9`. assetpress and lightningcss-cli get the same input and the same browserslist targets ' +
      `(\`${meta.get('targets')}\`; lightningcss-cli: \`--minify --error-recovery --browserslist\` with \`BROWSERSLIST\` set, ` +
      'since assetpress also parses with error recovery). esbuild (`--minify`, CSS loader by extension, its own default target) is informational. ' +
      'Target: assetpress gzip within 1% of lightningcss-cli for every stylesheet.',
    '',
  );
  const cssTools = ['lightningcss', 'esbuild'];
  const cRows = [];
  const cSum = { input: [0, 0], assetpress: [0, 0], lightningcss: [0, 0], esbuild: [0, 0] };
  for (const { file, raw, gz } of inputs.css) {
    const ap = get('css', file, 'assetpress');
    const lc = get('css', file, 'lightningcss');
    cSum.input[0] += raw;
    cSum.input[1] += gz;
    for (const t of ['assetpress', ...cssTools]) {
      const o = get('css', file, t);
      if (o && o.raw) {
        cSum[t][0] += o.raw;
        cSum[t][1] += o.gz;
      }
    }
    const flags = [];
    if (!ap || !ap.gz) flags.push('**MISS**: no assetpress output');
    else {
      if (ap.note && ap.note !== 'minified') flags.push(`**MISS**: status ${ap.note}`);
      if (lc && lc.gz && ap.gz > lc.gz * 1.01) flags.push('**MISS**: > lightningcss-cli + 1%');
    }
    if (flags.length) misses.push(`${file}: ${flags.join('; ').replaceAll('**MISS**: ', '')}`);
    cRows.push([file, `${int(raw)} / ${int(gz)}`, cell(ap), ...cssTools.map((t) => cell(get('css', file, t))), pct(ap?.gz, lc?.gz), flags.length ? flags.join('; ') : 'ok']);
  }
  cRows.push(['**total**', sumCell(cSum.input), sumCell(cSum.assetpress), ...cssTools.map((t) => sumCell(cSum[t])), pct(cSum.assetpress[1], cSum.lightningcss[1]), '']);
  md.push(table(['file', 'input', 'assetpress', 'lightningcss-cli', 'esbuild (info)', 'ap gz / lightningcss gz', 'targets'], cRows, ['l', 'r', 'r', 'r', 'r', 'r', 'l']), '');

  md.push('### CSS: time per file (ms)', '');
  md.push(
    `assetpress: in-process \`time_ms\` from its report (parallel run, median of ${meta.get('runs')}); ` +
      `lightningcss-cli and esbuild: wall time of one process per file, median of ${meta.get('runs')}.`,
    '',
  );
  const ctRows = inputs.css.map(({ file }) => [file, ...['assetpress', ...cssTools].map((t) => ms(get('css', file, t)?.ms))]);
  ctRows.push(['**total**', ...['assetpress', ...cssTools].map((t) => `**${ms(inputs.css.reduce((a, { file }) => a + (get('css', file, t)?.ms || 0), 0))}**`)]);
  md.push(table(['file', 'assetpress (in-process, parallel)', 'lightningcss-cli (process)', 'esbuild (process)'], ctRows, ['l']), '');

  // ---- whole folder ----
  md.push('### Whole folder: wall time', '');
  md.push(
    `One folder holding all ${inputs.js.length} JS files and ${inputs.css.length} stylesheets ` +
      `(${int(jsSum.input[0] + cSum.input[0])} bytes). Wall time of the whole command as measured by the script ` +
      `(process start to exit), median of ${meta.get('runs')} runs; the output folder is removed before each run.`,
    '',
  );
  md.push(table(['what', 'median wall (ms)', 'runs (ms)'], walls.map((w) => [w.label, `**${ms(w.median)}**`, w.runs.split(', ').filter(Boolean).map(ms).join(', ')]), ['l', 'r', 'l']), '');
  const apWall = walls.find((w) => w.key === 'assetpress');
  const swcWall = walls.find((w) => w.key === 'swc-seq');
  if (apWall && swcWall) {
    const ok = apWall.median < swcWall.median;
    if (!ok) misses.push(`whole folder: assetpress ${ms(apWall.median)} ms ≥ @swc/core sequential ${ms(swcWall.median)} ms`);
    md.push(
      `Target: assetpress whole folder (JS + CSS) < @swc/core sequential (JS only): ` +
        `${ms(apWall.median)} ms vs ${ms(swcWall.median)} ms (${pct(apWall.median, swcWall.median)}) — ${ok ? 'ok' : '**MISS**'}.`,
      '',
    );
  }

  md.push('### Targets', '');
  md.push(misses.length ? misses.map((m) => `- **MISS** ${m}`).join('\n') : 'All targets met.', '');
  return md.join('\n');
}

switch (mode) {
  case 'swc-files':
    await swcFiles(args[0], args[1], Number(args[2]), args.slice(3));
    break;
  case 'swc-seq':
    await swcSeq(args[0], args[1], args.slice(2));
    break;
  case 'report':
    report(args);
    break;
  case 'render':
    process.stdout.write(render(args[0]));
    break;
  default:
    console.error('usage: bench-peers.mjs swc-files|swc-seq|report|render ...');
    process.exit(2);
}

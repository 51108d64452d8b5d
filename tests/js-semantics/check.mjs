#!/usr/bin/env node
// Semantic equivalence check for minified JavaScript libraries.
//
//   node check.mjs ORIG_DIR MIN_DIR
//
// ORIG_DIR holds the original libraries, MIN_DIR their minified builds under the same file names
// (source maps beside them are ignored). For every .js/.mjs/.cjs file in ORIG_DIR the original and the
// minified build are each loaded in a worker thread of their own (fresh globals, fresh module cache,
// nothing shared between the two), the same list of real calls is run on both, every result is
// serialised to a string, and the two lists are compared.
//
// Known libraries (matched by file name) get library-specific checks: lodash.js, moment.js, jquery.js,
// d3.js, three.module.js (needs three.core.js beside it), vue.esm-browser.js, echarts.js, typescript.js.
// Any other file is only loaded, and its exports (or the globals it defines) are compared.
//
// Output: one line per library, `ok NAME (N checks)` or `FAIL NAME: CHECK: original=... minified=...`,
// then `N passed, M failed`. Exit status: 0 all passed; 1 a library failed, threw, timed out or is
// missing from MIN_DIR; 2 usage or setup error (bad arguments, jsdom not installed).
//
// jsdom (for jquery, the d3 selection check and the vue DOM checks) is loaded from
// $ASSETPRESS_NODE_TOOLS (default /var/cache/assetpress/node-tools/js-semantics), installed there
// from this folder's package.json and package-lock.json with `npm ci`.
// Other environment variables: ASSETPRESS_JS_CHECK_TIMEOUT (seconds per build, default 180),
// ASSETPRESS_JS_CHECK_TIMING=1 (append load/run times to each line), ASSETPRESS_JS_CHECK_DUMP=DIR (write
// every serialised result to DIR/NAME.original.txt and DIR/NAME.minified.txt, to inspect a failure).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SELF = fileURLToPath(import.meta.url);
const TOOLS_DIR = process.env.ASSETPRESS_NODE_TOOLS || '/var/cache/assetpress/node-tools/js-semantics';

// ---------------------------------------------------------------------------------------------
// Serialisation: a canonical string for any value a check returns. Functions are shown without
// their name, length or source, because those legitimately change under minification.

function ser(v, seen = new Set()) {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number': return Object.is(v, -0) ? '-0' : String(v);
    case 'string': return JSON.stringify(v);
    case 'boolean': return String(v);
    case 'bigint': return `${v}n`;
    case 'symbol': return `Symbol(${v.description ?? ''})`;
    case 'function': return '[function]';
  }
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  try {
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    if (Array.isArray(v)) {
      const out = [];
      for (let i = 0; i < v.length; i++) out.push(i in v ? ser(v[i], seen) : '<hole>');
      return `[${out.join(',')}]`;
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return `${tag}[${Array.from(v, (x) => ser(x)).join(',')}]`;
    if (tag === 'Date') return `Date(${Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
    if (tag === 'RegExp') return String(v);
    if (tag === 'Error') return `${v.name}(${JSON.stringify(v.message)})`;
    if (tag === 'Map') return `Map{${[...v].map(([k, x]) => `${ser(k, seen)}=>${ser(x, seen)}`).join(',')}}`;
    if (tag === 'Set') return `Set{${[...v].map((x) => ser(x, seen)).join(',')}}`;
    const keys = Object.keys(v);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${ser(v[k], seen)}`).join(',')}}`;
  } finally {
    seen.delete(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading helpers (used inside a worker; each worker loads exactly one build of one library).

let jsdomModule;
function jsdom() {
  if (!jsdomModule) jsdomModule = createRequire(path.join(TOOLS_DIR, 'noop.js'))('jsdom');
  return jsdomModule;
}

function jsdomInstallHint() {
  const here = path.dirname(SELF);
  return `jsdom is not installed under ${TOOLS_DIR} (set ASSETPRESS_NODE_TOOLS to change the folder). Install it with:\n` +
    `  mkdir -p ${TOOLS_DIR} && cp ${here}/package.json ${here}/package-lock.json ${TOOLS_DIR}/ && (cd ${TOOLS_DIR} && npm ci)`;
}

// CommonJS / UMD: evaluated with a CommonJS wrapper in the worker's own realm.
function loadCommonJS(file) {
  let src = fs.readFileSync(file, 'utf8');
  if (src.startsWith('#!')) src = '//' + src.slice(2);
  const module = { exports: {}, id: file, filename: file, loaded: false };
  const fn = vm.compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
  fn.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  return module.exports;
}

// ES modules: the file and its .js/.mjs siblings (relative imports such as three.module.js ->
// ./three.core.js resolve to the same build) are copied to a scratch folder marked "type": "module",
// inside the folder the main thread made for this run (and removes at the end).
async function loadESModule(file) {
  const dir = fs.mkdtempSync(path.join(workerData.scratch, 'esm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  for (const name of fs.readdirSync(path.dirname(file))) {
    if (/\.(m?js)$/.test(name)) fs.copyFileSync(path.join(path.dirname(file), name), path.join(dir, name));
  }
  return import(pathToFileURL(path.join(dir, path.basename(file))).href);
}

function looksLikeESModule(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  const src = fs.readFileSync(file, 'utf8');
  try {
    vm.compileFunction(src, ['exports', 'require', 'module', '__filename', '__dirname']);
    return false;
  } catch (e) {
    return e instanceof SyntaxError && /\b(import|export)\b/.test(src);
  }
}

// A jsdom window whose own realm runs the given script files, as a browser would.
function windowWith(files, html = '<!doctype html><html><head></head><body></body></html>') {
  const { JSDOM, VirtualConsole } = jsdom();
  const virtualConsole = new VirtualConsole();
  virtualConsole.sendTo(console, { omitJSDOMErrors: true });
  const jsdomErrors = [];
  virtualConsole.on('jsdomError', (e) => jsdomErrors.push(e));
  const dom = new JSDOM(html, { runScripts: 'outside-only', pretendToBeVisual: true, virtualConsole, url: 'http://localhost/' });
  const context = dom.getInternalVMContext();
  for (const file of files) new vm.Script(fs.readFileSync(file, 'utf8'), { filename: file }).runInContext(context);
  if (jsdomErrors.length) throw jsdomErrors[0];
  return dom.window;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Library-specific checks. Each check is [name, fn(lib, env)] and returns a value to serialise.
// Inputs are fixed; nothing depends on the current time or on randomness.

const LIBRARIES = {
  lodash: {
    files: ['lodash.js'],
    load: (file) => loadCommonJS(file),
    checks: [
      ['VERSION', (_) => _.VERSION],
      ['template', (_) => {
        const t = _.template('hello <%= user %>!');
        const t2 = _.template('<ul><% _.forEach(items, function(i) { %><li><%- i %></li><% }); %></ul>${ n }');
        return [t({ user: 'x' }), t.source, t2({ items: ['<a>', 'b&c', '"q"'], n: 3 })];
      }],
      ['chunk', (_) => [_.chunk([1, 2, 3, 4, 5, 6, 7], 3), _.chunk(['a', 'b'], 0), _.chunk('abcdefg', 2)]],
      ['merge', (_) => _.merge({ a: [{ b: 2 }, { d: 4 }], x: { y: 1 } }, { a: [{ c: 3 }, { e: 5 }], x: { z: [1, 2] } }, { x: { y: undefined } })],
      ['sortBy/orderBy', (_) => {
        const users = [{ u: 'fred', a: 48 }, { u: 'barney', a: 36 }, { u: 'fred', a: 40 }, { u: 'barney', a: 34 }];
        return [_.sortBy(users, ['u', 'a']), _.orderBy(users, ['u', 'a'], ['asc', 'desc']), _.sortBy([3, 1, NaN, 2, undefined, null])];
      }],
      ['string case', (_) => ['Foo Bar', '--foo-bar--', '__FOO_BAR__', 'fooBarBaz9x', 'Crème brûlée déjà vu'].map((s) =>
        [_.camelCase(s), _.kebabCase(s), _.snakeCase(s), _.startCase(s), _.upperFirst(s), _.deburr(s), _.words(s)])],
      ['cloneDeep', (_) => {
        const src = { a: [1, { b: new Date(Date.UTC(2020, 1, 3)) }], m: new Map([['k', { v: 1 }]]), s: new Set([1, 2]), r: /x+/gi, n: { deep: { deeper: [1, [2, [3]]] } } };
        src.self = src;
        const c = _.cloneDeep(src);
        return [c.self === c, c.a[1] !== src.a[1], c.m.get('k') !== src.m.get('k'), _.omit(c, 'self'), _.isEqual(_.omit(c, 'self'), _.omit(src, 'self'))];
      }],
      ['groupBy/countBy/keyBy', (_) => [_.groupBy([6.1, 4.2, 6.3], Math.floor), _.groupBy(['one', 'two', 'three'], 'length'),
        _.countBy(['a', 'bb', 'cc', 'ddd']), _.keyBy([{ id: 'x', v: 1 }, { id: 'y', v: 2 }], 'id'), _.partition([1, 2, 3, 4], (n) => n % 2)]],
      ['paths', (_) => {
        const o = {};
        _.set(o, 'a[0].b.c', 4); _.set(o, ['x', '1', 'y'], 5);
        return [o, _.get(o, 'a[0].b.c'), _.get(o, 'a.0.b.missing', 'def'), _.has(o, 'x[1].y'), _.zipObjectDeep(['a.b[0].c', 'a.b[1].d'], [1, 2]), _.toPath('a[0].b["c.d"]')];
      }],
      ['functional', (_) => {
        const add3 = (a, b, c) => a + b + c;
        const curried = _.curry(add3);
        const p = _.partial((a, b, c) => [a, b, c], _, 'b');
        let calls = 0;
        const m = _.memoize((n) => { calls++; return n * 2; });
        m(2); m(2); m(3);
        return [curried(1)(2)(3), curried(1, 2)(3), p('a', 'c'), _.flow([(x) => x + 1, (x) => x * 3])(2), calls, _.once(() => ++calls)(), _.ary(parseInt, 1)('10', 2), _.negate(Boolean)(0)];
      }],
      ['collections', (_) => [_.uniqBy([2.1, 1.2, 2.3], Math.floor), _.intersectionBy([{ x: 1 }, { x: 2 }], [{ x: 1 }], 'x'), _.difference([3, 2, 1], [4, 2]),
        _.flattenDeep([1, [2, [3, [4]], 5]]), _.zip(['a', 'b'], [1, 2], [true]), _.range(10, 0, -3), _.sum([4, 2, 8, 6]), _.meanBy([{ n: 4 }, { n: 2 }], 'n'),
        _.sampleSize([1], 1), _.shuffle([7]), _.take(_.drop([1, 2, 3, 4, 5], 1), 2), _.xor([2, 1], [2, 3]), _.pickBy({ a: 1, b: '2', c: 3 }, _.isNumber)]],
      ['lazy chain', (_) => {
        let mapped = 0;
        const r = _(_.range(1000)).map((n) => { mapped++; return n * n; }).filter((n) => n % 3 === 0).take(4).value();
        return [r, mapped, _.chain([1, 2, 3]).map((n) => n + 1).reverse().join('-').value()];
      }],
      ['strings', (_) => [_.escape('<a href="x">&\'</a>'), _.unescape('&lt;b&gt;&amp;&#39;&quot;'), _.truncate('hi-diddly-ho there, neighborino', { length: 24, separator: /,? +/ }),
        _.pad('abc', 8, '_-'), _.padStart('5', 3, '0'), _.template('<%= a %>', { variable: 'data' }).source.length > 0, _.escapeRegExp('[lodash](https://x.com/)'), _.repeat('ab', 3), _.parseInt('08'), _.trim('  -_-abc-_-  ', ' -_')]],
      ['isEqual/types', (_) => [_.isEqual({ a: [1, { b: NaN }] }, { a: [1, { b: NaN }] }), _.isEqual(new Set([1, 2]), new Set([2, 1])), _.isEqual([1, 2], [2, 1]),
        _.isPlainObject(Object.create(null)), _.isArrayLike('abc'), _.isEmpty(new Map()), _.toNumber('0x1f'), _.toInteger(-3.7), _.clamp(10, -5, 5), _.inRange(3, 2, 4)]],
      ['debounce/throttle', async (_) => {
        const log = [];
        const d = _.debounce((v) => log.push('d' + v), 20);
        d(1); d(2); d(3);
        const t = _.throttle((v) => log.push('t' + v), 40);
        t(1); t(2); t(3);
        await sleep(80);
        d(4); d.flush(); d(5); d.cancel();
        await sleep(40);
        return [typeof _.debounce, log];
      }],
    ],
  },

  moment: {
    files: ['moment.js'],
    load: (file) => loadCommonJS(file),
    checks: [
      ['version', (m) => m.version],
      ['format', (m) => {
        const d = m.utc('2020-02-29T12:34:56.789Z');
        return ['dddd, MMMM Do YYYY, h:mm:ss a', 'YYYY-[W]WW-E', 'Qo [quarter] ddd DDDD', 'x X SSS', 'LLLL', 'l LT', 'gggg-ww GGGG-WW', 'kk:mm A Z ZZ'].map((f) => d.format(f));
      }],
      ['add/subtract', (m) => {
        const d = m.utc('2020-02-29T12:34:56Z');
        return [d.clone().add(1, 'year').toISOString(), d.clone().add(1, 'month').add(3, 'd').toISOString(), d.clone().subtract(1.5, 'hours').toISOString(),
          d.clone().add({ years: -4, months: 13, days: 40, minutes: 61 }).toISOString(), d.clone().startOf('isoWeek').toISOString(), d.clone().endOf('quarter').toISOString()];
      }],
      ['diff', (m) => {
        const a = m.utc('2020-02-29T12:00:00Z'), b = m.utc('2021-03-01T00:00:00Z');
        return ['years', 'months', 'weeks', 'days', 'hours', 'seconds'].map((u) => [b.diff(a, u), b.diff(a, u, true)]);
      }],
      ['duration', (m) => {
        const ds = [m.duration(90, 'minutes'), m.duration({ days: 40 }), m.duration('P1Y2M3DT4H5M6S'), m.duration(-45, 'seconds'), m.duration('23:59:59.5')];
        return ds.map((d) => [d.humanize(), d.humanize(true), d.toISOString(), d.asHours(), d.months(), d.milliseconds()]);
      }],
      ['parse with format', (m) => {
        const cases = [['12-25-1995', 'MM-DD-YYYY'], ['2010-10-20 4:30 pm', 'YYYY-MM-DD h:mm a'], ['24/12/2019 09:15:00', 'DD/MM/YYYY HH:mm:ss'],
          ['Sunday, February 14th 2010', 'dddd, MMMM Do YYYY'], ['2013-02-29', 'YYYY-MM-DD'], ['1318781876', 'X']];
        return [...cases.map(([s, f]) => { const d = m.utc(s, f, true); return [d.isValid(), d.isValid() ? d.toISOString() : d.invalidAt()]; }),
          m.utc('not a date', 'YYYY-MM-DD', true).isValid(), m.parseZone('2016-05-03T22:15:01+02:00').format(), m.utc('2016-05-03T22:15:01+05:30').toISOString()];
      }],
      ['ordinals/weeks', (m) => Array.from({ length: 31 }, (_, i) => m.utc([2021, 0, i + 1]).format('Do wo Wo DDDo d E'))],
      ['relative', (m) => {
        const base = m.utc('2020-01-15T10:00:00Z');
        return [m.utc('2020-01-15T09:59:20Z').from(base), m.utc('2019-11-01T00:00:00Z').from(base), m.utc('2021-06-01T00:00:00Z').from(base, true),
          m.utc('2020-01-16T08:00:00Z').calendar(base), m.utc('2020-01-13T08:00:00Z').calendar(base), base.isBetween('2020-01-01', '2020-02-01'), base.isoWeekday(), base.dayOfYear()];
      }],
      ['custom locale', (m) => {
        m.defineLocale('x-test', { parentLocale: 'en', months: 'Jan_Feb_Mar_Apr_May_Jun_Jul_Aug_Sep_Oct_Nov_Dec'.split('_').map((s) => s + 'ember'),
          relativeTime: { future: 'in %s!', past: '%s back', s: 'secs', m: 'a min', mm: '%d mins', h: 'an hr', hh: '%d hrs', d: 'a day', dd: '%d days', M: 'a mo', MM: '%d mos', y: 'a yr', yy: '%d yrs' } });
        const d = m.utc('2020-07-04T00:00:00Z').locale('x-test');
        return [d.format('MMMM Do'), d.from(m.utc('2020-09-01T00:00:00Z')), m.locale(), m.locales().includes('x-test'), m.localeData('x-test').months(d)];
      }],
    ],
  },

  jquery: {
    files: ['jquery.js'],
    load: (file) => {
      const win = windowWith([file]);
      if (typeof win.jQuery !== 'function') throw new Error('jquery.js did not define window.jQuery');
      return win.jQuery;
    },
    checks: [
      ['version', ($) => $.fn.jquery],
      ['find/map', ($) => $('<ul><li class=a>1</li><li>2</li><li class="a b">3</li></ul>').find('li').map((i, el) => `${i}:${$(el).text()}:${el.className}`).get()],
      ['extend deep', ($) => [$.extend(true, {}, { a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { e: 2, c: [3] }, d: undefined }), $.extend({ a: { b: 1 } }, { a: { c: 2 } })]],
      ['param', ($) => [$.param({ a: [1, 2], b: { c: 3, d: [4, { e: 5 }] }, f: 'x y&z', g: null, h: () => 'fn' }), $.param({ a: [1, 2], b: 'c' }, true), $.param([{ name: 'q', value: 'a b' }])]],
      ['class/attr/css', ($) => {
        const el = $('<div id="t" class="one two">x</div>');
        el.addClass('three four').removeClass('two').toggleClass('five').toggleClass('one').attr({ 'data-k': 'v', title: 'a "quoted" title' }).css({ color: 'red', 'margin-top': 5 }).prop('hidden', true);
        return [el[0].outerHTML, el.hasClass('three'), el.attr('title'), el.css('marginTop'), el.data('k'), el.is('.four'), el.removeAttr('title').prop('outerHTML')];
      }],
      ['traversal', ($) => {
        const d = $('<div><section id=s><p class=x>a</p><p>b<span>c</span></p><p class=x>d</p></section><aside><p>e</p></aside></div>');
        const names = (q) => q.map((i, e) => e.tagName + (e.id ? '#' + e.id : '') + ':' + $(e).text()).get();
        return [names(d.find('span').closest('section')), names(d.find('p.x').first().nextAll()), names(d.find('span').parents()), names(d.find('p').filter(':contains(b)')),
          names(d.find('p').not('.x')), names(d.find('p').eq(-1)), names(d.find('section').children().slice(1, 2).siblings()), d.find('p').index(d.find('p.x').last()), names(d.find('p:has(span)'))];
      }],
      ['events', ($) => {
        const log = [];
        const ul = $('<ul><li>a</li><li>b</li></ul>');
        ul.on('click', 'li', function (e) { log.push('delegated:' + $(this).text() + ':' + e.type); });
        ul.find('li').first().on('click.ns', (e, x, y) => log.push('ns:' + [x, y].join(','))).on('custom', (e, v) => { log.push('custom:' + v); return false; });
        ul.find('li').first().trigger('click', ['p', 'q']);
        ul.find('li').first().off('.ns').trigger('click');
        const ev = $.Event('custom');
        ul.find('li').first().trigger(ev, ['v']);
        log.push(ev.isDefaultPrevented(), ev.isPropagationStopped(), ev.result);
        ul.one('dblclick', () => log.push('once')).trigger('dblclick').trigger('dblclick');
        return log;
      }],
      ['manipulation', ($) => {
        const root = $('<div id=r><p>one</p></div>');
        root.append('<b>2</b>', $('<i>3</i>')).prepend((i, html) => '<u>' + i + ':' + html.length + '</u>');
        root.find('p').wrap('<section class=w></section>').after('<hr>').before($('<em>').text('<&>'));
        root.find('b').replaceWith('<strong>two</strong>');
        const clone = root.find('section').clone();
        root.append(clone.attr('class', 'copy'));
        root.find('i').remove();
        root.find('hr').detach();
        return [root.html(), root.find('*').length, $('<div>').text('<b>&"</b>').html(), $($.parseHTML('<a>1</a> text <b>2</b>')).length];
      }],
      ['forms', ($) => {
        const f = $('<form><input name=a value="1 2"><input name=b type=checkbox value=x checked><input name=b type=checkbox value=y>' +
          '<select name=c multiple><option selected>p</option><option>q</option><option selected value=R>r</option></select><textarea name=d>l1\nl2</textarea>' +
          '<input name=e disabled value=no><input type=radio name=f value=1><input type=radio name=f value=2 checked></form>');
        return [f.serialize(), f.serializeArray(), f.find('select').val(), f.find('[name=f]:checked').val(), f.find('textarea').val()];
      }],
      ['data', ($) => {
        const el = $('<div data-num="12" data-json=\'{"a":[1,2]}\' data-bool="true" data-str="0012" data-camel-case="c"></div>');
        el.data('extra', { k: 1 });
        return [el.data(), el.data('num'), el.data('json'), el.data('camelCase'), el.removeData('extra').data('extra')];
      }],
      ['utilities', ($) => [$.map([1, 2, [3, 4], null], (v, i) => (v == null ? null : [v, i])), $.grep([1, 2, 3, 4], (v) => v % 2), $.inArray(3, [1, 2, 3]), $.merge([1], [2, 3]),
        $.isPlainObject({}), $.isPlainObject($('<a>')), $.makeArray($('<i></i><b></b>')).length, $.each({ x: 1, y: 2 }, () => {}), $.isEmptyObject({}), $.camelCase ? 'has camelCase' : 'no camelCase']],
      ['deferred', async ($) => {
        // Only jQuery's own (window) timers are involved, so the order of the log is fixed.
        const log = [];
        const d1 = $.Deferred(), d2 = $.Deferred();
        const all = $.when(d1, d2, 3).then((a, b, c) => log.push('when:' + [a, b, c].join(',')));
        d1.progress((p) => log.push('progress:' + p)).notify(50).resolve('A');
        const chain = $.Deferred().resolve(1).then((v) => { throw new Error('boom' + v); }).then(() => 'not here', (e) => 'caught:' + e.message).then((v) => log.push(v));
        d2.resolve('B', 'B2');
        log.push('sync end', all.state(), d1.state());
        await all; await chain;
        log.push(d2.state(), $.Deferred().reject().state());
        return log;
      }],
    ],
  },

  d3: {
    files: ['d3.js'],
    load: (file) => loadCommonJS(file),
    checks: [
      ['version', (d3) => d3.version],
      ['scaleLinear', (d3) => {
        const x = d3.scaleLinear().domain([-3.7, 97.2]).range([0, 640]).nice();
        const y = d3.scaleLinear([0, 1], ['red', 'steelblue']);
        return [x.domain(), x.ticks(), x.ticks(7).map(x.tickFormat(7, '+.1f')), x(42), x.invert(320), x.clamp(true)(1e6), y(0.3), d3.scaleLog().domain([1, 1000]).ticks()];
      }],
      ['ticks', (d3) => {
        const domains = [[0, 1], [0, 7], [-3.3, 1e6], [0.0012, 0.0079], [1, 2], [0, 100], [17, 83], [-1e-7, 3e-7], [2.5, -9.1], [1e12, 1e12 + 37]];
        return domains.map(([a, b]) => [1, 2, 3, 5, 7, 10, 13, 20].map((n) => [d3.ticks(a, b, n), d3.tickStep(a, b, n), d3.nice(a, b, n)]));
      }],
      ['format', (d3) => [d3.format(',.2f')(1234567.891), d3.format('.3s')(0.000123456), d3.format('$,.0f')(-1e6), d3.format('+.1%')(0.1234), d3.format('08.3f')(-3.5),
        d3.format('x')(255), d3.format('.2e')(123456), d3.format('~g')(0.5), d3.formatPrefix(',.0', 1e3)(12345), d3.precisionFixed(0.01)]],
      ['time', (d3) => {
        const t = new Date(Date.UTC(2021, 6, 4, 15, 6, 7, 89));
        return [d3.utcFormat('%A %d %B %Y %H:%M:%S.%L %j %U %W %V %Z')(t), d3.timeFormat('%Y-%m-%d %I:%M %p')(new Date(2021, 0, 2, 13, 5)),
          String(d3.utcParse('%Y-%m-%dT%H:%M:%SZ')('2019-03-10T02:30:00Z')?.getTime()), d3.utcDay.count(new Date(Date.UTC(2020, 0, 1)), t),
          d3.scaleUtc().domain([new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2020, 3, 1))]).ticks(6).map((d) => d.toISOString())];
      }],
      ['arrays/stats', (d3) => {
        const v = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, NaN, undefined];
        const bins = d3.bin().thresholds(4)(v.filter((n) => n != null && !Number.isNaN(n)));
        return [d3.extent(v), d3.sum(v), d3.mean(v), d3.median(v), d3.deviation(v), d3.quantile([...v].filter(Number.isFinite).sort(d3.ascending), 0.3),
          bins.map((b) => [b.x0, b.x1, b.length]), d3.bisectLeft([1, 2, 4, 8], 5), d3.rollup([{ k: 'a', n: 1 }, { k: 'b', n: 2 }, { k: 'a', n: 3 }], (g) => d3.sum(g, (d) => d.n), (d) => d.k), d3.cross([1, 2], ['x', 'y'])];
      }],
      ['csv', (d3) => {
        const text = 'name,value,date\n"Smith, J",1.5,2020-01-01\nDoe,"2",\n"Q""uote",,2021-02-03\n';
        const rows = d3.csvParse(text, d3.autoType);
        return [rows, rows.columns, d3.csvFormat(rows), d3.tsvParseRows('a\tb\n1\t2'), d3.dsvFormat(';').parse('x;y\n1;2')];
      }],
      ['shapes', (d3) => {
        const pts = [[0, 0], [10, 30], [20, 10], [35, 45], [50, 5]];
        const arcs = d3.pie().sort(null)([1, 2, 3, 4]);
        return [d3.line()(pts), d3.line().curve(d3.curveMonotoneX)(pts), d3.line().curve(d3.curveCatmullRom.alpha(0.5))(pts), d3.area().y0(50)(pts),
          arcs.map((a) => [a.startAngle, a.endAngle]), d3.arc().innerRadius(10).outerRadius(40).cornerRadius(3)(arcs[1]), d3.symbol(d3.symbolStar, 64)(),
          d3.linkHorizontal()({ source: [0, 0], target: [100, 50] })];
      }],
      ['layouts', (d3) => {
        const root = d3.hierarchy({ name: 'r', children: [{ name: 'a', v: 3 }, { name: 'b', children: [{ name: 'c', v: 1 }, { name: 'd', v: 5 }] }] }).sum((d) => d.v || 0).sort((a, b) => b.value - a.value);
        d3.tree().size([100, 200])(root);
        const t = root.descendants().map((n) => [n.data.name, n.depth, n.x, n.y, n.value]);
        const pack = d3.pack().size([100, 100]).padding(2)(root.copy()).descendants().map((n) => [n.x, n.y, n.r]);
        const tm = d3.treemap().size([100, 60]).tile(d3.treemapSquarify)(root.copy()).leaves().map((n) => [n.x0, n.y0, n.x1, n.y1]);
        const stack = d3.stack().keys(['a', 'b'])([{ a: 1, b: 2 }, { a: 3, b: 1 }]).map((s) => s.map((p) => [p[0], p[1]]));
        return [t, pack, tm, stack];
      }],
      ['force', (d3) => {
        const nodes = d3.range(12).map((i) => ({ id: i }));
        const links = d3.range(1, 12).map((i) => ({ source: Math.floor((i - 1) / 2), target: i }));
        const sim = d3.forceSimulation(nodes).force('charge', d3.forceManyBody().strength(-30)).force('link', d3.forceLink(links).distance(20))
          .force('center', d3.forceCenter(0, 0)).force('collide', d3.forceCollide(5)).stop();
        sim.tick(60);
        return nodes.map((n) => [n.x, n.y, n.vx, n.vy]);
      }],
      ['geo/delaunay', (d3) => {
        const poly = { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[-10, 40], [30, 40], [30, 60], [10, 70], [-10, 60], [-10, 40]]] } };
        const proj = d3.geoMercator().fitSize([200, 100], poly);
        const pts = [[0, 0], [10, 3], [4, 8], [7, 7], [2, 5], [9, 9]];
        const del = d3.Delaunay.from(pts);
        return [d3.geoPath(proj)(poly), d3.geoArea(poly), d3.geoDistance([0, 0], [90, 45]), d3.geoPath(d3.geoOrthographic().rotate([20, -30]))(poly), proj.invert([50, 50]),
          Array.from(del.triangles), del.find(5, 5), del.voronoi([0, 0, 10, 10]).renderCell(4)];
      }],
      ['color/interpolate', (d3) => [d3.color('steelblue').brighter(0.5).formatHex(), d3.hsl('#ff8000').toString(), d3.lab('rebeccapurple').l, d3.interpolateRgb('red', 'blue')(0.25),
        d3.interpolate({ a: 1, b: 'x 0px' }, { a: 3, b: 'x 10px' })(0.5), d3.interpolateViridis(0.4), d3.scaleOrdinal(d3.schemeCategory10).domain(['a', 'b'])('b'),
        d3.interpolateString('M0,0L10,10', 'M5,5L20,40')(0.5), d3.quantize(d3.interpolateHcl('#f00', '#00f'), 4), d3.easeCubicInOut(0.3)]],
      ['selection (jsdom)', (d3) => {
        const { JSDOM } = jsdom();
        const doc = new JSDOM('<!doctype html><body><ul><li>old</li></ul></body>').window.document;
        const u = d3.select(doc.body).select('ul').selectAll('li').data(['a', 'b', 'c'], (d) => d);
        u.join((enter) => enter.append('li').attr('class', (d, i) => 'i' + i).text((d) => d.toUpperCase()), (update) => update, (exit) => exit.remove());
        d3.select(doc.body).append('svg').attr('viewBox', '0 0 10 10').selectAll('circle').data([1, 2]).enter().append('circle').attr('r', (d) => d * 2).style('fill', 'red');
        return [doc.body.innerHTML, d3.select(doc.body).selectAll('li').nodes().length, d3.selectAll(doc.querySelectorAll('circle')).datum()];
      }],
    ],
  },

  three: {
    files: ['three.module.js'],
    load: async (file) => {
      const core = path.join(path.dirname(file), 'three.core.js');
      if (/from\s*['"]\.\/three\.core\.js['"]/.test(fs.readFileSync(file, 'utf8').slice(0, 20000)) && !fs.existsSync(core)) {
        throw Object.assign(new Error(`three.module.js imports ./three.core.js, which is not in ${path.dirname(file)}`), { stack: undefined });
      }
      return loadESModule(file);
    },
    checks: [
      ['REVISION', (T) => T.REVISION],
      ['Vector3', (T) => {
        const a = new T.Vector3(1, 2, 3), b = new T.Vector3(-4, 0.5, 2);
        return [a.clone().cross(b).toArray(), a.dot(b), a.clone().normalize().toArray(), a.angleTo(b), a.clone().lerp(b, 0.3).toArray(), a.clone().reflect(b.clone().normalize()).toArray(),
          a.clone().applyAxisAngle(new T.Vector3(0, 1, 0), Math.PI / 3).toArray(), a.clone().projectOnPlane(new T.Vector3(0, 0, 1)).toArray(), a.distanceTo(b)];
      }],
      ['Matrix4', (T) => {
        const m = new T.Matrix4().compose(new T.Vector3(1, -2, 3), new T.Quaternion().setFromEuler(new T.Euler(0.3, -0.7, 1.1, 'YXZ')), new T.Vector3(2, 0.5, 1.5));
        const inv = m.clone().invert();
        const p = new T.Vector3(0.25, 4, -1).applyMatrix4(m);
        const pos = new T.Vector3(), q = new T.Quaternion(), s = new T.Vector3();
        m.decompose(pos, q, s);
        const persp = new T.Matrix4().makePerspective(-1, 1, 1, -1, 0.1, 100);
        return [m.elements, inv.elements, m.determinant(), p.toArray(), p.clone().applyMatrix4(inv).toArray(), pos.toArray(), q.toArray(), s.toArray(), persp.elements,
          new T.Matrix4().lookAt(new T.Vector3(1, 2, 3), new T.Vector3(), new T.Vector3(0, 1, 0)).elements, new T.Matrix3().getNormalMatrix(m).elements];
      }],
      ['Quaternion/Euler', (T) => {
        const q1 = new T.Quaternion().setFromAxisAngle(new T.Vector3(1, 1, 0).normalize(), 1.2);
        const q2 = new T.Quaternion().setFromUnitVectors(new T.Vector3(1, 0, 0), new T.Vector3(0, 0.6, 0.8));
        const e = new T.Euler().setFromQuaternion(q1.clone().multiply(q2), 'ZYX');
        return [q1.clone().slerp(q2, 0.35).toArray(), q1.angleTo(q2), e.toArray(), q1.clone().invert().toArray(), new T.Vector3(1, 2, 3).applyQuaternion(q2).toArray()];
      }],
      ['geometries', (T) => {
        const sum = (arr) => Array.from(arr).reduce((a, b) => a + b, 0);
        const box = new T.BoxGeometry(1, 2, 3);
        const sphere = new T.SphereGeometry(2, 12, 8);
        const torus = new T.TorusKnotGeometry(1, 0.3, 32, 6);
        sphere.computeBoundingSphere(); torus.computeBoundingBox();
        const shape = new T.Shape().moveTo(0, 0).lineTo(4, 0).quadraticCurveTo(5, 2, 4, 4).lineTo(0, 4).lineTo(0, 0);
        shape.holes.push(new T.Path().absarc(2, 2, 1, 0, Math.PI * 2, true));
        const ext = new T.ExtrudeGeometry(shape, { depth: 1, bevelEnabled: true, bevelSegments: 2, steps: 2, curveSegments: 6 });
        return [sum(box.attributes.position.array), box.attributes.position.count, Array.from(box.index.array).slice(0, 12), sum(box.attributes.normal.array), sum(box.attributes.uv.array),
          sphere.attributes.position.count, sum(sphere.attributes.position.array), sphere.boundingSphere.radius, torus.boundingBox.min.toArray(), torus.boundingBox.max.toArray(),
          ext.attributes.position.count, sum(ext.attributes.position.array), sum(ext.attributes.normal.array)];
      }],
      ['Color', (T) => {
        const c = new T.Color().setHSL(0.61, 0.7, 0.45);
        const hsl = {};
        new T.Color('#ff6347').getHSL(hsl);
        return [c.getHexString(), c.r, c.g, c.b, hsl, new T.Color('hsl(120, 50%, 25%)').getHex(), new T.Color(0x123456).lerp(new T.Color('skyblue'), 0.5).getStyle(),
          new T.Color().setRGB(0.2, 0.4, 0.6, T.SRGBColorSpace).getHexString(T.LinearSRGBColorSpace), new T.Color('rebeccapurple').offsetHSL(0.1, -0.2, 0.1).getHexString()];
      }],
      ['scene graph/raycast', (T) => {
        const scene = new T.Scene();
        const group = new T.Group();
        group.position.set(1, 0, -5); group.rotation.set(0, Math.PI / 5, 0); group.scale.setScalar(1.5);
        const mesh = new T.Mesh(new T.BoxGeometry(1, 1, 1), new T.MeshBasicMaterial());
        mesh.position.set(0.2, 0.1, 0); group.add(mesh); scene.add(group);
        scene.updateMatrixWorld(true);
        const camera = new T.PerspectiveCamera(50, 1.5, 0.1, 100);
        camera.position.set(0, 0, 5); camera.lookAt(1, 0, -5); camera.updateMatrixWorld(); camera.updateProjectionMatrix();
        const ray = new T.Raycaster();
        ray.setFromCamera(new T.Vector2(0.05, 0.02), camera);
        const hits = ray.intersectObject(scene, true).map((h) => [h.distance, h.point.toArray(), h.faceIndex, h.face.normal.toArray()]);
        const box = new T.Box3().setFromObject(group);
        return [hits, box.min.toArray(), box.max.toArray(), mesh.getWorldPosition(new T.Vector3()).toArray(), camera.projectionMatrix.elements,
          new T.Vector3(1, 0.5, -4).project(camera).toArray(), new T.Frustum().setFromProjectionMatrix(new T.Matrix4().multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse)).intersectsObject(mesh)];
      }],
      ['curves/math', (T) => {
        const curve = new T.CatmullRomCurve3([new T.Vector3(0, 0, 0), new T.Vector3(1, 2, 0), new T.Vector3(3, 1, 1), new T.Vector3(4, 3, -1)], false, 'centripetal');
        return [curve.getPoints(5).map((p) => p.toArray()), curve.getLength(), curve.getTangentAt(0.5).toArray(), new T.CubicBezierCurve(new T.Vector2(0, 0), new T.Vector2(1, 3), new T.Vector2(3, -1), new T.Vector2(4, 2)).getPoint(0.4).toArray(),
          T.MathUtils.smootherstep(0.3, 0, 1), T.MathUtils.euclideanModulo(-7, 3), T.MathUtils.seededRandom(42), new T.Spherical().setFromVector3(new T.Vector3(1, 2, 3)), T.ShapeUtils.triangulateShape([new T.Vector2(0, 0), new T.Vector2(2, 0), new T.Vector2(2, 2), new T.Vector2(1, 3), new T.Vector2(0, 2)], [])];
      }],
    ],
  },

  vue: {
    files: ['vue.esm-browser.js'],
    // The runtime reads `document` when it is imported, so a jsdom window is installed as the
    // global environment first (each build runs in a worker of its own, so nothing is shared).
    load: async (file) => {
      const { JSDOM } = jsdom();
      const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true, url: 'http://localhost/' });
      for (const k of ['window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'SVGElement', 'MathMLElement', 'Event', 'KeyboardEvent', 'MouseEvent', 'CustomEvent']) {
        if (k in dom.window) Object.defineProperty(globalThis, k, { value: dom.window[k], configurable: true, writable: true });
      }
      return loadESModule(file);
    },
    checks: [
      ['version', (V) => V.version],
      ['compile', (V) => {
        const templates = [
          '<div :class="c">{{ msg }}<span v-for="i in items">{{i}}</span></div>',
          '<ul><li v-for="(it, idx) in list" :key="it.id" @click="pick(it, $event)">{{ idx }}: {{ it.name | 0 }}</li><li v-if="!list.length">empty</li><li v-else-if="more">more</li></ul>',
          '<form @submit.prevent="go"><input v-model.trim="q" :placeholder="ph"><select v-model="sel" multiple><option v-for="o in opts" :value="o">{{o}}</option></select><comp v-slot:default="{ x }" :a.camel="1">{{ x }}</comp></form>',
          '<section><p class="static" style="color: red">static &amp; hoisted &lt;text&gt;</p><template v-if="ok"><b v-html="raw"></b><i v-text="t"></i></template><component :is="dyn" v-bind="$attrs" /><slot name="footer" :n="1">fb</slot></section>',
          '<div v-show="vis" v-once :[key]="val" @keyup.enter.exact="submit" ref="el"><teleport to="body"><span>{{ a?.b ?? "d" }}</span></teleport></div>',
        ];
        return templates.map((t) => V.compile(t).toString());
      }],
      ['reactivity', async (V) => {
        const log = [];
        const state = V.reactive({ n: 1, list: [1, 2], nested: { deep: { v: 'a' } }, map: new Map([['k', 1]]) });
        const double = V.computed(() => state.n * 2);
        const total = V.computed(() => state.list.reduce((a, b) => a + b, 0) + state.map.get('k'));
        V.watchEffect(() => log.push('effect:' + state.n + ':' + state.nested.deep.v));
        V.watch(() => state.list.length, (now, before) => log.push('watch:' + before + '->' + now));
        V.watch(state.nested, () => log.push('deep:' + state.nested.deep.v), { deep: true });
        const r = V.ref(0);
        const stop = V.watch(r, (v) => log.push('ref:' + v), { flush: 'sync' });
        state.n = 5; state.n = 6; state.list.push(10); state.nested.deep.v = 'b'; state.map.set('k', 100);
        r.value = 1; r.value = 2; stop(); r.value = 3;
        log.push('sync:' + double.value + ':' + total.value);
        await V.nextTick();
        const ro = V.readonly(state);
        ro.n = 99;
        const sh = V.shallowReactive({ a: { b: 1 } });
        return [log, double.value, total.value, V.isReactive(state.nested), V.isReactive(sh.a), V.isReadonly(ro), V.toRaw(state).n, V.unref(V.toRef(state, 'n')), ro.n, Object.keys(V.toRefs(state))];
      }],
      ['mount and update (jsdom)', async (V) => {
        const root = document.createElement('div');
        document.body.appendChild(root);
        const Child = { props: ['label', 'count'], emits: ['bump'], template: '<button class="child" @click="$emit(\'bump\', 2)">{{ label }} ({{ count }})</button><slot :c="count * 10" />' };
        const app = V.createApp({
          components: { Child },
          data: () => ({ items: [{ id: 1, t: 'one' }, { id: 2, t: 'two' }], show: true, count: 0, text: 'hi' }),
          computed: { upper() { return this.text.toUpperCase(); } },
          template: '<h1 :title="upper">{{ upper }}</h1><ul><li v-for="i in items" :key="i.id" :class="{ odd: i.id % 2 }">{{ i.t }}</li></ul>' +
            '<p v-if="show">shown</p><p v-else>hidden</p><input v-model="text"><Child label="Go" :count="count" @bump="count += $event" v-slot="{ c }"><em>{{ c }}</em></Child>',
        });
        const vm = app.mount(root);
        const html = [root.innerHTML];
        vm.items.reverse(); vm.items.push({ id: 3, t: 'three' }); vm.show = false;
        await V.nextTick();
        html.push(root.innerHTML);
        root.querySelector('button.child').dispatchEvent(new window.MouseEvent('click', { bubbles: true }));
        const input = root.querySelector('input');
        input.value = 'typed'; input.dispatchEvent(new window.Event('input', { bubbles: true }));
        await V.nextTick();
        html.push(root.innerHTML, vm.count, vm.text);
        app.unmount();
        html.push(root.innerHTML);
        return html;
      }],
      ['render functions', (V) => {
        const vnode = V.h('div', { class: ['a', { b: true, c: false }], style: [{ color: 'red' }, 'margin: 0'], onClick: () => {} }, [V.h('span', 'x'), 'text', V.createCommentVNode('c')]);
        return [V.normalizeClass(['a', { b: true, c: false }, [['d']]]), V.normalizeStyle([{ color: 'red' }, 'margin: 0; font-size: 2px']), vnode.type, vnode.props.class, vnode.shapeFlag, vnode.patchFlag, vnode.children.length,
          V.toDisplayString({ a: [1, new Map([[1, 2]])], s: new Set(['x']) }), V.camelize('foo-bar-baz'), V.capitalize('word')];
      }],
    ],
  },

  echarts: {
    files: ['echarts.js'],
    load: (file) => loadCommonJS(file),
    checks: [
      ['version', (e) => e.version],
      ['bar + line SVG', (e) => svg(e, {
        animation: false, title: { text: 'Sales', subtext: 'per month' }, legend: {}, tooltip: {},
        xAxis: { type: 'category', data: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun'] },
        yAxis: [{ type: 'value' }, { type: 'value', position: 'right' }],
        series: [{ name: 'bar', type: 'bar', data: [120, 200, 150, 80, 70, 110], label: { show: true, position: 'top' }, markLine: { data: [{ type: 'average' }] } },
          { name: 'line', type: 'line', yAxisIndex: 1, smooth: true, data: [2.5, 3.1, 4.0, 3.3, 2.2, 5.6], areaStyle: {} }],
      })],
      ['pie + scatter SVG', (e) => svg(e, {
        animation: false,
        visualMap: { min: 0, max: 10, dimension: 2, inRange: { color: ['#313695', '#a50026'] }, show: false },
        grid: { left: '55%' }, xAxis: { type: 'log' }, yAxis: { scale: true },
        series: [{ type: 'pie', radius: ['20%', '40%'], center: ['25%', '50%'], data: [{ name: 'a', value: 3 }, { name: 'b', value: 5 }, { name: 'c', value: 1 }], label: { formatter: '{b}: {d}%' } },
          { type: 'scatter', data: [[1, 3, 1], [10, 8, 4], [100, 5, 9], [1000, 12, 6]], symbolSize: (v) => v[2] * 3 }],
      })],
      ['radar + heatmap SVG', (e) => svg(e, {
        animation: false,
        radar: { indicator: [{ name: 'A', max: 10 }, { name: 'B', max: 10 }, { name: 'C', max: 10 }, { name: 'D', max: 10 }], center: ['25%', '50%'], radius: 80 },
        grid: { left: '55%' }, xAxis: { type: 'category', data: ['x', 'y', 'z'] }, yAxis: { type: 'category', data: ['p', 'q'] },
        visualMap: { min: 0, max: 5, calculable: true, seriesIndex: 1, right: 0 },
        series: [{ type: 'radar', data: [{ value: [3, 7, 5, 9] }, { value: [8, 2, 6, 4], areaStyle: {} }] },
          { type: 'heatmap', data: [[0, 0, 1], [1, 0, 3], [2, 1, 5], [0, 1, 2]], label: { show: true } }],
      })],
      ['utilities', (e) => [e.format.addCommas(1234567.891), e.format.formatTime('yyyy-MM-dd hh:mm:ss', new Date(2020, 1, 3, 4, 5, 6)), e.number.round(1.23456, 3), e.number.nice(0.137, true),
        e.number.linearMap(5, [0, 10], [100, 200]), e.time.parse('2020-02-03').getTime(), e.format.truncateText('a long label text that is cut', 60, '12px sans-serif', '…')]],
    ],
  },

  typescript: {
    files: ['typescript.js'],
    load: (file) => loadCommonJS(file),
    checks: [
      ['version', (ts) => ts.version],
      ['transpileModule', (ts) => {
        const cases = [
          ['const x: number = 1; export class A<T> { constructor(private y: T) {} }', { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS }],
          ['export async function* g(xs: number[]) { for await (const x of xs) { yield x ** 2; } const { a, ...rest } = { a: 1, b: 2 }; return [...xs, rest?.b ?? 0]; }', { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, downlevelIteration: true }],
          ['export enum E { A = 1, B = A << 2, C = "c" } export namespace N { export const v = E.B; } declare const d: string; export default abstract class B { abstract m(): void; static s = 1; #p = 2; }', { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.ESNext }],
          ['import React from "react"; export const C = ({ n }: { n: number }) => <div className="x" {...{ n }}>{n > 1 ? <b>{n}</b> : <></>}</div>;', { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.React }],
          ['function dec(t: any, k: string) {} class K { @dec prop = 1; @dec method(@dec p: string) {} }', { target: ts.ScriptTarget.ES2016, experimentalDecorators: true, emitDecoratorMetadata: true }],
        ];
        return cases.map(([src, compilerOptions], i) => {
          const r = ts.transpileModule(src, { compilerOptions, fileName: i === 3 ? 'c.tsx' : 'm.ts', reportDiagnostics: true });
          return [r.outputText, (r.diagnostics || []).map((d) => d.code)];
        });
      }],
      ['parse + walk', (ts) => {
        const src = 'interface P { x?: number; readonly y: string[] }\ntype U<T> = T extends string ? `s-${T}` : never;\n' +
          'export function f<T extends P>(p: T, ...r: unknown[]): U<"a"> | undefined { if (p.x! > 1) { return undefined; } for (const [k, v] of Object.entries(p)) { console.log(k, v as any); } return; }\n' +
          'let g = async () => { try { await f({ y: [] }); } catch { } finally { } }; label: while (true) break label; const o = { a, [b]: 2, get c() { return 3; } };';
        const sf = ts.createSourceFile('w.ts', src, ts.ScriptTarget.Latest, true);
        const counts = {};
        let depth = 0, maxDepth = 0;
        const walk = (n) => { counts[ts.SyntaxKind[n.kind]] = (counts[ts.SyntaxKind[n.kind]] || 0) + 1; depth++; maxDepth = Math.max(maxDepth, depth); ts.forEachChild(n, walk); depth--; };
        walk(sf);
        const sorted = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
        const fn = sf.statements.find(ts.isFunctionDeclaration);
        return [sorted, maxDepth, sf.statements.length, fn.name.text, fn.getText().length, sf.getLineAndCharacterOfPosition(fn.body.pos), sf.parseDiagnostics.length];
      }],
      ['printer/factory', (ts) => {
        const f = ts.factory;
        const node = f.createVariableStatement([f.createModifier(ts.SyntaxKind.ExportKeyword)], f.createVariableDeclarationList([f.createVariableDeclaration('answer', undefined,
          f.createTypeReferenceNode('Array', [f.createKeywordTypeNode(ts.SyntaxKind.NumberKeyword)]),
          f.createArrayLiteralExpression([f.createNumericLiteral(42), f.createBinaryExpression(f.createNumericLiteral(1), ts.SyntaxKind.PlusToken, f.createNumericLiteral(2))]))], ts.NodeFlags.Const));
        const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed, removeComments: false });
        const sf = ts.createSourceFile('p.ts', '/** doc */\nclass  A{m( ){return  1}}  // tail', ts.ScriptTarget.Latest, true);
        return [printer.printNode(ts.EmitHint.Unspecified, node, ts.createSourceFile('x.ts', '', ts.ScriptTarget.Latest)), printer.printFile(sf)];
      }],
      ['program diagnostics + checker', (ts) => {
        const files = {
          'lib.d.ts': 'interface Array<T> { length: number; [n: number]: T; } interface Boolean {} interface Function {} interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String { length: number; } interface CallableFunction {} interface NewableFunction {}',
          'main.ts': 'import { sq, Shape } from "./util";\nconst n: number = "not a number";\nconst s: Shape = { kind: "circle", r: 2 };\nfunction area(s: Shape) { switch (s.kind) { case "circle": return s.r * s.r; case "rect": return s.w * s.h; } }\n' +
            'const a = area(s);\nconst b = sq("x");\nlet u = [1, "a", true];\nconst t = { x: 1, y: [a] } as const;\nundefinedName;\n',
          'util.ts': 'export type Shape = { kind: "circle"; r: number } | { kind: "rect"; w: number; h: number };\nexport function sq<T extends number>(x: T): T { return x; }\n',
        };
        const options = { noLib: true, strict: true, target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS, noEmit: true, types: [] };
        const host = {
          getSourceFile: (name, lang) => (files[name] !== undefined ? ts.createSourceFile(name, files[name], lang) : undefined),
          getDefaultLibFileName: () => 'lib.d.ts', writeFile: () => {}, getCurrentDirectory: () => '', getDirectories: () => [],
          fileExists: (name) => files[name] !== undefined, readFile: (name) => files[name], getCanonicalFileName: (n) => n,
          useCaseSensitiveFileNames: () => true, getNewLine: () => '\n',
        };
        const program = ts.createProgram(['lib.d.ts', 'main.ts'], options, host);
        const diags = ts.getPreEmitDiagnostics(program).map((d) => [d.file && d.file.fileName, d.start, d.code, ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
        const checker = program.getTypeChecker();
        const main = program.getSourceFile('main.ts');
        const types = [];
        const visit = (n) => { if (ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n)) types.push(n.name.getText(main) + ': ' + checker.typeToString(checker.getTypeAtLocation(n.name))); ts.forEachChild(n, visit); };
        visit(main);
        return [diags, types];
      }],
    ],
  },
};

function svg(echarts, option) {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 300 });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

// Files without specific checks: loaded, and what they export (or the globals they define) compared.
const GENERIC = {
  load: async (file) => {
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const exported = looksLikeESModule(file) ? await loadESModule(file) : loadCommonJS(file);
    const globals = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k)).sort();
    return { exported, globals };
  },
  checks: [
    ['exports', ({ exported, globals }) => {
      const shape = (v) => (v !== null && (typeof v === 'object' || typeof v === 'function') ? Object.keys(v).sort().map((k) => [k, v[k] === null ? 'null' : typeof v[k]]) : typeof v);
      return [typeof exported, shape(exported), globals.map((g) => [g, typeof globalThis[g]])];
    }],
  ],
};

function libraryFor(fileName) {
  for (const [name, lib] of Object.entries(LIBRARIES)) if (lib.files.includes(fileName)) return [name, lib];
  return [fileName, GENERIC];
}

// ---------------------------------------------------------------------------------------------
// Worker: load one build of one library, run its checks, post the serialised results.

function describeError(e) {
  if (!(e instanceof Object)) return String(e);
  const msg = `${e.name || 'Error'}: ${e.message}`;
  const lines = typeof e.stack === 'string' ? e.stack.split('\n') : [];
  // A SyntaxError's stack starts with "FILE:LINE" of the offending source line.
  const where = e instanceof SyntaxError && /:\d+$/.test(lines[0] || '') ? lines[0] : lines.find((l) => /^\s+at /.test(l));
  return where ? `${msg} (${where.trim()})` : msg;
}

async function runWorker({ fileName, file }) {
  const [, lib] = libraryFor(fileName);
  const counts = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    console[level] = () => { counts[level] = (counts[level] || 0) + 1; };
  }
  const t0 = performance.now();
  let instance;
  try {
    instance = await lib.load(file);
  } catch (e) {
    return { loadError: describeError(e) };
  }
  const loadMs = performance.now() - t0;
  const results = [];
  for (const [name, fn] of lib.checks) {
    try {
      results.push({ name, value: ser(await fn(instance)) });
    } catch (e) {
      results.push({ name, error: describeError(e) });
    }
  }
  results.push({ name: 'console calls', value: ser(Object.fromEntries(Object.entries(counts).sort())) });
  return { results, loadMs, runMs: performance.now() - t0 - loadMs };
}

if (!isMainThread) {
  let out;
  try {
    out = await runWorker(workerData);
  } catch (e) {
    out = { loadError: describeError(e) };
  }
  // The main thread ends this worker once the message arrives (timers of the checked code may still be pending).
  parentPort.postMessage(out);
}

// ---------------------------------------------------------------------------------------------
// Main thread.

function runBuild(fileName, file, timeoutMs, scratch) {
  return new Promise((resolve) => {
    const worker = new Worker(SELF, { workerData: { fileName, file, scratch }, stdout: true, stderr: true });
    // The checked code's console output is counted, not shown; anything else printed is dropped too.
    worker.stdout.resume(); worker.stderr.resume();
    let settled = false;
    const done = (v) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
    const timer = setTimeout(() => { worker.terminate(); done({ fatal: `timed out after ${timeoutMs / 1000}s (ASSETPRESS_JS_CHECK_TIMEOUT)` }); }, timeoutMs);
    worker.once('message', (v) => { done(v); worker.terminate(); });
    worker.once('error', (e) => done({ fatal: `crashed: ${describeError(e)}` }));
    worker.once('exit', (code) => done({ fatal: `exited with code ${code} before reporting` }));
  });
}

function excerpt(s, at) {
  const max = 240;
  if (s.length <= max) return s;
  const start = Math.max(0, Math.min(at - 60, s.length - max));
  return `${start > 0 ? '…' : ''}${s.slice(start, start + max)}${start + max < s.length ? '…' : ''} [${s.length} chars]`;
}

function firstDifference(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function compare(orig, min) {
  for (const [side, r] of [['original', orig], ['minified', min]]) {
    if (r.fatal) return { fail: `${side} build ${r.fatal}` };
    if (r.loadError) return { fail: `${side} build failed to load: ${r.loadError}` };
  }
  const problems = [];
  for (let i = 0; i < orig.results.length; i++) {
    const o = orig.results[i], m = min.results[i];
    if (o.error) problems.push(`${o.name}: original build threw: ${o.error}`);
    else if (m.error) problems.push(`${o.name}: minified build threw: ${m.error}`);
    else if (o.value !== m.value) {
      const at = firstDifference(o.value, m.value);
      problems.push(`${o.name}: original=${excerpt(o.value, at)} minified=${excerpt(m.value, at)}${o.value.length > 240 ? ` (first difference at char ${at})` : ''}`);
    }
  }
  if (problems.length) return { fail: problems[0] + (problems.length > 1 ? ` (and ${problems.length - 1} more failing check${problems.length > 2 ? 's' : ''}: ${problems.slice(1).map((p) => p.split(':')[0]).join(', ')})` : '') };
  return { checks: orig.results.length };
}

function dump(dir, name, sides) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [side, r] of Object.entries(sides)) {
    const text = !r.results ? `${r.fatal || 'load error: ' + r.loadError}\n` : r.results.map((x) => `== ${x.name}\n${x.error ? 'threw: ' + x.error : x.value}\n`).join('');
    fs.writeFileSync(path.join(dir, `${name}.${side}.txt`), text);
  }
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2 || args.some((a) => a === '-h' || a === '--help')) {
    console.error('usage: node check.mjs ORIG_DIR MIN_DIR');
    return 2;
  }
  const [origDir, minDir] = args.map((a) => path.resolve(a));
  for (const d of [origDir, minDir]) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) {
      console.error(`not a directory: ${d}\nusage: node check.mjs ORIG_DIR MIN_DIR`);
      return 2;
    }
  }
  const names = fs.readdirSync(origDir).filter((n) => /\.(m|c)?js$/.test(n) && fs.statSync(path.join(origDir, n)).isFile()).sort();
  if (!names.length) {
    console.error(`no .js files in ${origDir}`);
    return 2;
  }
  const needsJsdom = names.some((n) => ['jquery', 'd3', 'vue'].includes(libraryFor(n)[0]));
  if (needsJsdom) {
    try {
      createRequire(path.join(TOOLS_DIR, 'noop.js')).resolve('jsdom');
    } catch {
      console.error(jsdomInstallHint());
      return 2;
    }
  }
  const timeoutMs = (Number(process.env.ASSETPRESS_JS_CHECK_TIMEOUT) || 180) * 1000;
  const timing = process.env.ASSETPRESS_JS_CHECK_TIMING === '1';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'assetpress-js-semantics-'));
  try {
    return await checkAll(names, origDir, minDir, timeoutMs, timing, scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

// The output name of an input file: hashed names are looked up in the
// build's manifest when there is one.
function outputName(minDir, fileName) {
  const manifest = path.join(minDir, 'assetpress-manifest.json');
  if (!fs.existsSync(manifest)) return fileName;
  const entry = JSON.parse(fs.readFileSync(manifest, 'utf8')).assets[fileName];
  return entry ? entry.file : fileName;
}

async function checkAll(names, origDir, minDir, timeoutMs, timing, scratch) {
  let passed = 0, failed = 0;
  for (const fileName of names) {
    const [name] = libraryFor(fileName);
    const minFile = path.join(minDir, outputName(minDir, fileName));
    if (!fs.existsSync(minFile)) {
      console.log(`FAIL ${name}: ${fileName} is missing from ${minDir}`);
      failed++;
      continue;
    }
    const orig = await runBuild(fileName, path.join(origDir, fileName), timeoutMs, scratch);
    const min = await runBuild(fileName, minFile, timeoutMs, scratch);
    const verdict = compare(orig, min);
    if (process.env.ASSETPRESS_JS_CHECK_DUMP) dump(process.env.ASSETPRESS_JS_CHECK_DUMP, name, { original: orig, minified: min });
    const times = timing && orig.results && min.results
      ? ` [original: load ${Math.round(orig.loadMs)}ms, checks ${Math.round(orig.runMs)}ms; minified: load ${Math.round(min.loadMs)}ms, checks ${Math.round(min.runMs)}ms]` : '';
    if (verdict.fail) {
      console.log(`FAIL ${name}: ${verdict.fail}${times}`);
      failed++;
    } else {
      console.log(`ok ${name} (${verdict.checks} checks)${times}`);
      passed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

process.exit(await main());

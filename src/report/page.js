// The interactive parts of the assetpress build report, drawn from the JSON island #data:
// the treemap (squarified, zoomable, searchable), the images, the names and the per-file
// changes since the baseline. Long lists are virtualised; the treemap draws at most
// MAX_RECTS files at once and shows deeper folders as single blocks until zoomed into.
(() => {
  'use strict';
  const D = JSON.parse(document.getElementById('data').textContent);
  const F = D.files;
  const N = F.length;
  const MAX_RECTS = 4000;
  const ROW = 24;
  const $ = (s) => document.querySelector(s);
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
  const human = (b) => (b < 1024 ? b + ' B' : b < 1048576 ? (b / 1024).toFixed(1) + ' KB' : (b / 1048576).toFixed(2) + ' MB');
  const pct = (a, b) => (a > 0 ? ((100 * (a - b)) / a).toFixed(1) + '%' : '-');
  // `12.5% saved`, or `3.0% larger` for a file that grew (a page given <picture> markup).
  const saved = (a, b) => (b > a ? ((100 * (b - a)) / a).toFixed(1) + '% larger' : pct(a, b) + ' saved');

  const dirOf = (i) => D.dirs[F[i][0]];
  const outPath = (i) => (dirOf(i) ? dirOf(i) + '/' + F[i][1] : F[i][1]);
  const origPath = (i) => {
    const o = F[i][2];
    if (!o) return outPath(i);
    if (o.includes('/')) return o;
    return dirOf(i) ? dirOf(i) + '/' + o : o;
  };
  const kindOf = (i) => D.kinds[F[i][3]];
  const MEASURE = {
    raw: (i) => F[i][5],
    gz: (i) => F[i][6] || F[i][5],
    br: (i) => F[i][7] || F[i][6] || F[i][5],
  };
  // Which size MEASURE[mode] gave for file i: a file without a .br copy is drawn by its gzip
  // size, one without either by its own size.
  const measured = (i) => (mode === 'raw' || !F[i][6] ? 'raw' : mode === 'br' && F[i][7] ? 'brotli' : 'gzip');
  let mode = 'br';
  const atOf = new Map(D.at);
  function status(i) {
    const w = F[i][8];
    if (F[i][9] === 1) return ['failed', 'could not be processed: copied unchanged (see the errors above)'];
    if (w === -1) return ['variant', 'an image variant of ' + origPath(i)];
    if (w > 0) return ['kept', 'keeps its name: ' + D.reasons[w - 1] + (atOf.has(i) ? ' (' + atOf.get(i) + ')' : '')];
    if (outPath(i) !== origPath(i)) return ['renamed', 'renamed: a content hash in its name'];
    return ['same', 'same name'];
  }

  // ---------------------------------------------------------------- references
  let back = null;
  function referrers(i) {
    if (!back) {
      back = D.refs.map(() => []);
      D.refs.forEach((to, a) => to.forEach((b) => back[b].push(a)));
    }
    return back[i] || [];
  }
  // The files `i` reaches through references, each with the chain that leads to it.
  function chains(i, limit) {
    const parent = new Map([[i, -1]]);
    const queue = [i];
    const out = [];
    while (queue.length && out.length < limit) {
      const a = queue.shift();
      for (const b of D.refs[a] || []) {
        if (parent.has(b)) continue;
        parent.set(b, a);
        queue.push(b);
        const chain = [];
        for (let c = b; c !== -1; c = parent.get(c)) chain.push(c);
        out.push(chain.reverse());
        if (out.length >= limit) break;
      }
    }
    return out;
  }
  const link = (i) => `<a class="go" href="#" data-i="${i}">${esc(outPath(i))}</a>`;
  function detail(i) {
    const [st, why] = status(i);
    const f = F[i];
    let s = `<h3>${esc(outPath(i))}</h3><p><span class="tag ${st}">${st}</span> ${esc(why)}</p>`;
    s += `<table class="num"><tr><td>original</td><td>${esc(origPath(i))}</td></tr><tr><td>kind</td><td>${esc(kindOf(i))}</td></tr>`;
    if (f[4]) s += `<tr><td>in</td><td>${human(f[4])}</td></tr>`;
    s += `<tr><td>out</td><td>${human(f[5])}${f[4] ? ' (' + saved(f[4], f[5]) + ')' : ''}</td></tr>`;
    if (f[6]) s += `<tr><td>gzip</td><td>${human(f[6])}</td></tr>`;
    if (f[7]) s += `<tr><td>brotli</td><td>${human(f[7])}</td></tr>`;
    s += '</table>';
    const to = D.refs[i] || [];
    const from = referrers(i);
    const list = (title, xs) =>
      `<h4>${title} (${xs.length})</h4>` + (xs.length ? '<ul>' + xs.slice(0, 200).map((j) => `<li>${link(j)}</li>`).join('') + (xs.length > 200 ? `<li>and ${xs.length - 200} more</li>` : '') + '</ul>' : '');
    s += list('References', to) + list('Referenced by', from);
    if (st === 'renamed' && to.length) {
      const cs = chains(i, 100);
      s += `<h4>Its hash covers these files${cs.length >= 100 ? ' (the first 100)' : ''}</h4><ul>` +
        cs.map((c) => '<li>' + c.slice(1).map(link).join(' → ') + '</li>').join('') + '</ul>';
    }
    return s;
  }
  function showDetail(el, i) {
    el.innerHTML = detail(i);
  }
  for (const el of [$('#tm-detail'), $('#names-detail')]) {
    el.addEventListener('click', (e) => {
      const a = e.target.closest('a.go');
      if (!a) return;
      e.preventDefault();
      showDetail(el, +a.dataset.i);
    });
  }

  // ---------------------------------------------------------------- virtual lists
  function vlist(el, count, row, pick) {
    el.tabIndex = 0;
    el.innerHTML = '<div class="vl-sizer"></div>';
    const sizer = el.firstChild;
    sizer.style.height = count * ROW + 'px';
    let act = -1;
    let queued = false;
    function draw() {
      queued = false;
      const top = el.scrollTop;
      const h = el.clientHeight || 480;
      const a = Math.max(0, Math.floor(top / ROW) - 8);
      const b = Math.min(count, Math.ceil((top + h) / ROW) + 8);
      let s = '';
      for (let k = a; k < b; k++) {
        s += `<div class="row${k === act ? ' act' : ''}" role="option" aria-selected="${k === act}" data-k="${k}" style="top:${k * ROW}px">${row(k)}</div>`;
      }
      sizer.innerHTML = s;
    }
    function select(k) {
      act = Math.max(0, Math.min(count - 1, k));
      if (act * ROW < el.scrollTop) el.scrollTop = act * ROW;
      else if ((act + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (act + 1) * ROW - el.clientHeight;
      draw();
    }
    el.onscroll = () => {
      if (!queued) {
        queued = true;
        requestAnimationFrame(draw);
      }
    };
    el.onclick = (e) => {
      const r = e.target.closest('.row');
      if (!r) return;
      select(+r.dataset.k);
      pick(act);
    };
    el.onkeydown = (e) => {
      const page = Math.max(1, Math.floor(el.clientHeight / ROW) - 1);
      const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -count, End: count };
      if (e.key in moves && count) {
        e.preventDefault();
        select((act < 0 ? -1 : act) + moves[e.key]);
        pick(act);
      } else if (e.key === 'Enter' && act >= 0) {
        pick(act);
      }
    };
    draw();
    return { draw, select };
  }

  // ---------------------------------------------------------------- treemap
  const tm = $('#tm');
  const tip = $('#tip');
  const root = { name: '', path: '', kids: new Map(), files: [], size: 0, count: 0, parent: null };
  const folderOf = new Array(N);
  for (let i = 0; i < N; i++) {
    let node = root;
    const d = dirOf(i);
    if (d) {
      for (const part of d.split('/')) {
        let next = node.kids.get(part);
        if (!next) {
          next = { name: part, path: node.path ? node.path + '/' + part : part, kids: new Map(), files: [], size: 0, count: 0, parent: node };
          node.kids.set(part, next);
        }
        node = next;
      }
    }
    node.files.push(i);
    folderOf[i] = node;
  }
  function sum(node) {
    let size = 0;
    let count = node.files.length;
    const byKind = new Map();
    const add = (k, n) => byKind.set(k, (byKind.get(k) || 0) + n);
    for (const i of node.files) {
      const n = MEASURE[mode](i);
      size += n;
      add(kindOf(i), n);
    }
    for (const k of node.kids.values()) {
      sum(k);
      size += k.size;
      count += k.count;
      for (const [kind, n] of k.byKind) add(kind, n);
    }
    node.size = size;
    node.count = count;
    node.byKind = byKind;
    let top = 'other';
    let most = -1;
    for (const [kind, n] of byKind) if (n > most) [top, most] = [kind, n];
    node.kind = top;
  }
  sum(root);
  let current = root;

  // Squarified treemap (Bruls, Huizing, van Wijk 2000): `values` sorted from largest to
  // smallest, laid out in rows along the shorter side of the remaining rectangle.
  function squarify(values, x, y, w, h) {
    const out = new Array(values.length);
    let rest = 0;
    for (const v of values) rest += v;
    let i = 0;
    while (i < values.length) {
      if (rest <= 0 || w <= 0 || h <= 0) {
        for (; i < values.length; i++) out[i] = [x, y, 0, 0];
        break;
      }
      const short = Math.min(w, h);
      const scale = (w * h) / rest;
      let sumRow = 0;
      let min = Infinity;
      let max = 0;
      let best = Infinity;
      let j = i;
      while (j < values.length) {
        const a = values[j] * scale;
        const s = sumRow + a;
        const mn = Math.min(min, a);
        const mx = Math.max(max, a);
        const worst = Math.max((short * short * mx) / (s * s), (s * s) / (short * short * mn));
        if (j > i && worst > best) break;
        best = worst;
        sumRow = s;
        min = mn;
        max = mx;
        j++;
      }
      const thick = sumRow / short;
      let off = 0;
      for (let k = i; k < j; k++) {
        const len = thick > 0 ? (values[k] * scale) / thick : 0;
        out[k] = w >= h ? [x, y + off, thick, len] : [x + off, y, len, thick];
        off += len;
      }
      if (w >= h) {
        x += thick;
        w -= thick;
      } else {
        y += thick;
        h -= thick;
      }
      rest -= sumRow / scale;
      i = j;
    }
    return out;
  }

  const box = (x, y, w, h) => `left:${x.toFixed(1)}px;top:${y.toFixed(1)}px;width:${Math.max(0, w).toFixed(1)}px;height:${Math.max(0, h).toFixed(1)}px`;
  function draw() {
    const W = tm.clientWidth;
    const H = tm.clientHeight;
    const parts = [];
    let budget = MAX_RECTS;
    function lay(node, x, y, w, h) {
      const items = [];
      for (const k of node.kids.values()) items.push([Math.max(k.size, 1), k]);
      const files = node.files.map((i) => [Math.max(MEASURE[mode](i), 1), i]);
      // A folder's own files beyond what is left of MAX_RECTS: the largest drawn, the rest one
      // block (a flat folder of 50,000 files stays fast).
      const room = Math.max(1, budget - items.length);
      if (files.length > room) {
        files.sort((a, b) => b[0] - a[0]);
        const rest = files.splice(room - 1);
        items.push([rest.reduce((n, r) => n + r[0], 0), { rest: rest.length }]);
        budget -= 1;
      }
      // The folder's own files are counted first; its subfolders share what is left.
      budget -= files.length;
      items.push(...files);
      items.sort((a, b) => b[0] - a[0]);
      const rects = squarify(items.map((t) => t[0]), x, y, w, h);
      items.forEach(([, t], k) => {
        const [rx, ry, rw, rh] = rects[k];
        if (typeof t === 'number') {
          const label = rw > 48 && rh > 16 ? `<span>${esc(F[t][1])}</span>` : '';
          parts.push(`<div class="f k-${esc(kindOf(t))}${F[t][8] === -1 ? ' v' : ''}" data-i="${t}" tabindex="-1" style="${box(rx, ry, rw, rh)}">${label}</div>`);
        } else if (t.rest) {
          const label = rw > 40 && rh > 14 ? `<div class="dl">${t.rest} smaller files</div>` : '';
          parts.push(`<div class="rest" title="${t.rest} smaller files: search to find one" style="${box(rx, ry, rw, rh)}">${label}</div>`);
        } else {
          folder(t, rx, ry, rw, rh);
        }
      });
    }
    // Everything is drawn while it fits in MAX_RECTS; past that, a folder is opened only when
    // what it can show would get about 8×8 pixels a file, else it is one block of its main
    // kind (and a folder's files beyond the cap are one block of "N smaller files").
    const all = current.count <= MAX_RECTS;
    function folder(node, x, y, w, h) {
      const open = budget > 0 && (all || w * h >= 64 * Math.min(node.count, budget));
      const label = w > 40 && h > 14 ? `<div class="dl">${esc(node.name)}${open ? '' : ' · ' + node.count + ' files'}</div>` : '';
      parts.push(`<div class="d${open ? '' : ' c k-' + esc(node.kind)}" role="treeitem" tabindex="-1" aria-label="folder ${esc(node.path)}, ${node.count} files, ${human(node.size)}" data-p="${esc(node.path)}" style="${box(x, y, w, h)}">${label}</div>`);
      if (!open) {
        budget--;
        return;
      }
      const head = h > 30 && w > 40 ? 15 : 0;
      const pad = w > 8 && h > 8 ? 2 : 0;
      lay(node, x + pad, y + head + pad, w - 2 * pad, h - head - 2 * pad);
    }
    lay(current, 0, 0, W, H);
    tm.innerHTML = parts.join('');
    // One tab stop; the arrow keys move between folders and files (in drawing order).
    const first = tm.querySelector('.d, .f');
    if (first) first.tabIndex = 0;
    crumbs();
    drawLegend();
    if (query) mark();
  }
  function crumbs() {
    const chain = [];
    for (let n = current; n; n = n.parent) chain.unshift(n);
    $('.crumbs').innerHTML = chain
      .map((n) => `<button type="button" data-p="${esc(n.path)}">${n.parent ? esc(n.name) : 'output'}</button>`)
      .join('<span>/</span>') + ` <span>${current.count} files, ${human(current.size)}</span>`;
  }
  function nodeAt(path) {
    let node = root;
    if (path) for (const part of path.split('/')) node = node.kids.get(part) || node;
    return node;
  }
  function zoom(node) {
    const focused = tm.contains(document.activeElement);
    current = node;
    hideTip();
    draw();
    const first = tm.querySelector('[tabindex="0"]');
    if (first && focused) first.focus();
  }
  $('.crumbs').addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (b) zoom(nodeAt(b.dataset.p));
  });
  tm.addEventListener('click', (e) => {
    const t = e.target.closest('.f, .d');
    if (!t) return;
    if (t.classList.contains('d')) zoom(nodeAt(t.dataset.p));
    else showDetail($('#tm-detail'), +t.dataset.i);
  });
  tm.addEventListener('keydown', (e) => {
    const t = e.target;
    if (e.key === 'Enter' && t.classList.contains('d')) {
      e.preventDefault();
      zoom(nodeAt(t.dataset.p));
    } else if (e.key === 'Enter' && t.classList.contains('f')) {
      e.preventDefault();
      showDetail($('#tm-detail'), +t.dataset.i);
    } else if (/^Arrow(Right|Down|Left|Up)$/.test(e.key)) {
      e.preventDefault();
      const all = [...tm.querySelectorAll('.d, .f')];
      const k = all.indexOf(t) + (e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : -1);
      const next = all[Math.max(0, Math.min(all.length - 1, k))];
      if (next) {
        t.tabIndex = -1;
        next.tabIndex = 0;
        next.focus();
      }
    }
  });
  tm.addEventListener('focusin', (e) => {
    const r = e.target.getBoundingClientRect();
    tipFor(e.target, r.left + 8, r.top + 8);
  });
  tm.addEventListener('focusout', hideTip);
  function hideTip() {
    tip.hidden = true;
    tipTarget = null;
  }
  tm.addEventListener('mouseleave', hideTip);
  let tipTarget = null;
  let tipAt = null;
  function tipFor(t, x, y) {
    if (t !== tipTarget) {
      tipTarget = t;
      let s;
      if (t.classList.contains('f')) {
        const i = +t.dataset.i;
        const f = F[i];
        const [st] = status(i);
        s = `<b>${esc(outPath(i))}</b><br>original: ${esc(origPath(i))}<br>${esc(kindOf(i))}, ${st}; drawn by its ${measured(i)} size<table>` +
          (f[4] ? `<tr><td>in</td><td>${human(f[4])}</td></tr>` : '') +
          `<tr><td>out</td><td>${human(f[5])}${f[4] ? ' (' + saved(f[4], f[5]) + ')' : ''}</td></tr>` +
          (f[6] ? `<tr><td>gzip</td><td>${human(f[6])}</td></tr>` : '') +
          (f[7] ? `<tr><td>brotli</td><td>${human(f[7])}</td></tr>` : '') + '</table>';
      } else {
        const n = nodeAt(t.dataset.p);
        s = `<b>${esc(n.path || 'output')}/</b><br>${n.count} files, ${human(n.size)}<br>Enter or click to zoom in`;
      }
      tip.innerHTML = s;
      tip.hidden = false;
    }
    const first = tipAt === null;
    tipAt = [x, y];
    // Placed once a frame: reading the tip's size forces a layout.
    if (first) {
      requestAnimationFrame(() => {
        if (!tipAt) return;
        const [cx, cy] = tipAt;
        tipAt = null;
        const w = tip.offsetWidth;
        const h = tip.offsetHeight;
        tip.style.left = Math.min(cx + 14, window.innerWidth - w - 8) + 'px';
        tip.style.top = (cy + 14 + h > window.innerHeight ? cy - h - 10 : cy + 14) + 'px';
      });
    }
  }
  tm.addEventListener('mousemove', (e) => {
    const t = e.target.closest('.f, .d');
    if (!t) return hideTip();
    tipFor(t, e.clientX, e.clientY);
  });
  $('#tm-measure').addEventListener('change', (e) => {
    mode = e.target.value;
    sum(root);
    draw();
    });
  let resizing = false;
  window.addEventListener('resize', () => {
    if (resizing) return;
    resizing = true;
    requestAnimationFrame(() => {
      resizing = false;
      draw();
    });
  });
  const kinds = new Set();
  for (let i = 0; i < N; i++) kinds.add(kindOf(i));
  function drawLegend() {
    $('.legend').innerHTML = [...kinds].sort().map((k) => `<span><span class="sw k-${esc(k)}"></span>${esc(k)}</span>`).join('') +
      (F.some((f) => f[8] === -1) ? '<span><span class="sw k-image v"></span>image variant</span>' : '') +
      `<span>sized by ${mode === 'raw' ? 'raw' : mode === 'gz' ? 'gzip' : 'brotli'} size (a file without that copy by the next one down)</span>` +
      (tm.querySelector('.d.c, .rest') ? '<span>hatched: files drawn as one block (click a folder to open it)</span>' : '');
  }

  // ---------------------------------------------------------------- search
  const search = $('#search');
  const results = $('#results');
  let query = '';
  let matches = [];
  let matchSet = new Set();
  let hay = null;
  function mark() {
    tm.classList.toggle('searching', !!query);
    for (const el of tm.querySelectorAll('.f')) el.classList.toggle('m', matchSet.has(+el.dataset.i));
  }
  function reveal(i) {
    current = folderOf[i];
    draw();
    const el = tm.querySelector(`.f[data-i="${i}"]`);
    if (el) el.classList.add('hit');
    showDetail($('#tm-detail'), i);
  }
  let searchQueued = false;
  function runSearch() {
    searchQueued = false;
    query = search.value.trim().toLowerCase();
    if (!hay) {
      hay = new Array(N);
      for (let i = 0; i < N; i++) hay[i] = (origPath(i) + '\n' + outPath(i)).toLowerCase();
    }
    matches = [];
    if (query) for (let i = 0; i < N; i++) if (hay[i].includes(query)) matches.push(i);
    matchSet = new Set(matches);
    results.hidden = !query;
    if (query) {
      vlist(results, matches.length, (k) => {
        const i = matches[k];
        const same = origPath(i) === outPath(i);
        return `${esc(origPath(i))} <small>${same ? '' : '→ ' + esc(outPath(i)) + ' · '}${human(MEASURE[mode](i))}</small>`;
      }, (k) => reveal(matches[k]));
    }
    mark();
  }
  search.addEventListener('input', () => {
    if (searchQueued) return;
    searchQueued = true;
    requestAnimationFrame(() => searchQueued && runSearch());
  });
  search.addEventListener('keydown', (e) => {
    // Keys pressed right after typing act on what was typed.
    if (searchQueued) runSearch();
    if (e.key === 'ArrowDown' && matches.length) {
      e.preventDefault();
      results.focus();
      results.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
    } else if (e.key === 'Enter' && matches.length) {
      reveal(matches[0]);
    }
  });
  document.addEventListener('keydown', (e) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (e.key === '/' && !typing) {
      e.preventDefault();
      search.focus();
    } else if (e.key === 'Escape') {
      if (document.activeElement === search && search.value) {
        search.value = '';
        search.dispatchEvent(new Event('input'));
      } else if (current.parent) {
        zoom(current.parent);
      }
    }
  });

  // ---------------------------------------------------------------- images
  const imgList = $('#img-list');
  const PAGE = 50;
  let imgShown = PAGE;
  let imgRows = D.images;
  function imageCard([i, w, h, variants, picture]) {
    const f = F[i];
    let s = `<div class="img-card"><h3>${esc(origPath(i))}${origPath(i) !== outPath(i) ? ' → ' + esc(outPath(i)) : ''}</h3><p>${w && h ? w + '×' + h + ' px, ' : ''}${human(f[4])} → ${human(f[5])}`;
    if (f[5] < f[4]) s += ` <span class="ok">(${pct(f[4], f[5])} smaller, losslessly)</span>`;
    s += '</p>';
    if (variants.length) {
      s += '<table class="num"><thead><tr><th>variant</th><th>size</th><th>format</th><th>bytes</th><th>vs original</th><th>PSNR</th></tr></thead><tbody>';
      for (const [j, vw, vh, fmt, bytes, psnr] of variants) {
        const q = psnr === 'lossless' ? 'lossless' : psnr === null ? 'not measured' : psnr.toFixed(1) + ' dB';
        s += `<tr><td>${link(j)}</td><td>${vw}×${vh}</td><td>${esc(fmt)}</td><td>${human(bytes)}</td><td>${f[5] ? ((100 * bytes) / f[5]).toFixed(0) + '%' : '-'}</td><td>${q}</td></tr>`;
      }
      s += '</tbody></table>';
      s += picture ? `<p class="note">Markup written for it:</p><pre><code>${esc(picture)}</code></pre>` : '<p class="note">No page shows it with its variants.</p>';
    }
    return s + '</div>';
  }
  function drawImages() {
    if (!D.images.length) {
      imgList.innerHTML = '<p class="note">No image has variants or was made smaller.</p>';
      return;
    }
    let s = imgRows.slice(0, imgShown).map(imageCard).join('');
    if (imgRows.length > imgShown) s += `<button type="button" class="more">Show ${Math.min(PAGE, imgRows.length - imgShown)} more of ${imgRows.length - imgShown}</button>`;
    if (!imgRows.length) s = '<p class="note">No image matches.</p>';
    imgList.innerHTML = s;
  }
  imgList.addEventListener('click', (e) => {
    if (e.target.closest('.more')) {
      imgShown += PAGE;
      drawImages();
      return;
    }
    const a = e.target.closest('a.go');
    if (a) {
      e.preventDefault();
      reveal(+a.dataset.i);
      $('#treemap').scrollIntoView();
    }
  });
  $('#img-filter').addEventListener('input', (e) => {
    const q = e.target.value.trim().toLowerCase();
    imgRows = q ? D.images.filter((r) => origPath(r[0]).toLowerCase().includes(q)) : D.images;
    imgShown = PAGE;
    drawImages();
  });

  // ---------------------------------------------------------------- names
  const named = [];
  for (let i = 0; i < N; i++) if (F[i][8] !== -1) named.push(i);
  let nameRows = named;
  const namesDetail = $('#names-detail');
  function drawNames() {
    vlist($('#names-list'), nameRows.length, (k) => {
      const i = nameRows[k];
      const [st, why] = status(i);
      const to = st === 'renamed' ? '→ ' + esc(F[i][1]) : esc(why);
      return `${esc(origPath(i))} <small><span class="tag ${st}">${st}</span> ${to}</small>`;
    }, (k) => showDetail(namesDetail, nameRows[k]));
  }
  function filterNames() {
    const q = $('#names-filter').value.trim().toLowerCase();
    const keptOnly = $('#names-kept').checked;
    nameRows = named.filter((i) => (!keptOnly || F[i][8] > 0) && (!q || (origPath(i) + '\n' + outPath(i)).toLowerCase().includes(q)));
    drawNames();
  }
  $('#names-filter').addEventListener('input', filterNames);
  $('#names-kept').addEventListener('change', filterNames);

  // ---------------------------------------------------------------- baseline changes
  const deltas = $('#deltas');
  if (deltas && D.deltas.length > 20) {
    const el = document.createElement('div');
    el.className = 'vlist';
    el.setAttribute('aria-label', 'Every change since the baseline');
    const h = document.createElement('h3');
    h.textContent = `All ${D.deltas.length} changes, largest first`;
    deltas.append(h, el);
    const signed = (d) => (d > 0 ? '+' : d < 0 ? '-' : '') + human(Math.abs(d));
    vlist(el, D.deltas.length, (k) => {
      const [p, kind, old, now, d] = D.deltas[k];
      return `${esc(p)} <small>${esc(kind)} · ${human(old)} → ${human(now)} · ${signed(d)}</small>`;
    }, () => {});
  }

  for (const el of document.querySelectorAll('.tm-bar, .img-bar, .names-bar')) el.hidden = false;
  draw();
  drawImages();
  drawNames();
  document.documentElement.dataset.ready = String(Math.round(performance.now()));
})();

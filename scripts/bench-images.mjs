// The sharp side of scripts/bench-images: the same responsive-image work
// assetpress does, written the way a build script would with sharp.
//
// usage: node bench-images.mjs TOOLS_DIR IN_DIR OUT_DIR WIDTHS QUALITY
//
// For every JPEG, PNG and still WebP in IN_DIR, as assetpress does: turned
// upright (EXIF), resized to each width below its own (and to its own width
// when it is not wider than the largest: never upscaled), written as WebP at
// QUALITY and in its own format: JPEG (mozjpeg) at QUALITY, PNG (left for
// oxipng to squeeze; none at the PNG's own width, where the original
// serves), nothing more for a WebP. Animated images are left alone. sharp runs
// with libvips on one thread per image and two images at a time
// (UV_THREADPOOL_SIZE=2), which keeps both cores busy.
import { createRequire } from 'node:module';
import { readdirSync, mkdirSync } from 'node:fs';
import { join, parse } from 'node:path';

const [toolsDir, inDir, outDir, widthsArg, qualityArg] = process.argv.slice(2);
const sharp = createRequire(join(toolsDir, 'package.json'))('sharp');
sharp.concurrency(1);
sharp.cache(false);
const widths = widthsArg.split(',').map(Number);
const quality = Number(qualityArg);
mkdirSync(outDir, { recursive: true });

const tasks = [];
for (const name of readdirSync(inDir).sort()) {
  const kind = /\.jpe?g$/i.test(name) ? 'jpeg' : /\.png$/i.test(name) ? 'png' : /\.webp$/i.test(name) ? 'webp' : null;
  if (!kind) continue;
  const file = join(inDir, name);
  tasks.push(
    sharp(file)
      .metadata()
      .then(async (meta) => {
        if ((meta.pages || 1) > 1) return [];
        const rotated = (meta.orientation || 1) >= 5;
        const own = rotated ? meta.height : meta.width;
        const list = widths.filter((w) => w < own);
        if (widths.some((w) => w >= own)) list.push(own);
        const stem = parse(name).name;
        const jobs = [];
        for (const w of list) {
          const base = sharp(file).rotate().resize({ width: w, withoutEnlargement: true });
          jobs.push(base.clone().webp({ quality }).toFile(join(outDir, `${stem}-${w}w.webp`)));
          if (kind === 'jpeg') {
            jobs.push(base.clone().jpeg({ quality, mozjpeg: true }).toFile(join(outDir, `${stem}-${w}w.jpg`)));
          } else if (kind === 'png' && w < own) {
            jobs.push(base.clone().png().toFile(join(outDir, `${stem}-${w}w.png`)));
          }
        }
        return Promise.all(jobs);
      }),
  );
}
await Promise.all(tasks);

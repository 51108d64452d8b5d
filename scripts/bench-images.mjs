// The sharp side of scripts/bench-images: the same responsive-image work
// assetpress does, written the way a build script would with sharp.
//
// usage: node bench-images.mjs TOOLS_DIR IN_DIR OUT_DIR WIDTHS QUALITY
//
// For every JPEG in IN_DIR: turned upright (EXIF), resized to each width
// below its own (and to its own width when it is not wider than the largest: never
// upscaled), as assetpress does, written as WebP and as JPEG (mozjpeg) at QUALITY. sharp runs
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
  if (!/\.jpe?g$/i.test(name)) continue;
  const file = join(inDir, name);
  tasks.push(
    sharp(file)
      .metadata()
      .then(async (meta) => {
        const rotated = (meta.orientation || 1) >= 5;
        const own = rotated ? meta.height : meta.width;
        const list = widths.filter((w) => w < own);
        if (widths.some((w) => w >= own)) list.push(own);
        const stem = parse(name).name;
        const jobs = [];
        for (const w of list) {
          const base = sharp(file).rotate().resize({ width: w, withoutEnlargement: true });
          jobs.push(base.clone().webp({ quality }).toFile(join(outDir, `${stem}-${w}w.webp`)));
          jobs.push(base.clone().jpeg({ quality, mozjpeg: true }).toFile(join(outDir, `${stem}-${w}w.jpg`)));
        }
        return Promise.all(jobs);
      }),
  );
}
await Promise.all(tasks);

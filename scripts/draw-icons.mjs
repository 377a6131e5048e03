#!/usr/bin/env node
// Draws the extension icon (images/extension-icon.png, 128x128), the task icon
// (tasks/<Task>/icon.png for every task folder, 32x32) and the service connection icon
// (images/lcs-connection-icon.png, 64x64: the database with a key instead of a clock) with Node
// alone: no image libraries.
//
// The PNGs are checked in; run this only after changing the drawing:
//   node scripts/draw-icons.mjs            writes the three icons
//   node scripts/draw-icons.mjs --preview  also writes 8x/4x previews on light and dark
//                                          backgrounds to .tmp/icons/ (git-ignored)
//
// Drawing model: every shape is an "inside?" test in unit coordinates (0..1 across the icon).
// Each pixel is sampled on an 8x8 grid (supersampling = anti-aliasing); each sample paints
// the layers in order, and the pixel is the average of its samples. Gaps between parts are
// painted in the tile's gradient. Output is deterministic, so re-running leaves git clean.

import { deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------- colours ----------
const hex = (h, a = 1) => [parseInt(h.slice(1, 3), 16) / 255, parseInt(h.slice(3, 5), 16) / 255, parseInt(h.slice(5, 7), 16) / 255, a];
const mix = (c1, c2, t) => c1.map((v, i) => v + (c2[i] - v) * Math.min(1, Math.max(0, t)));

const BLUE = hex('#0B53CE'); // Dynamics 365 blue
const TEAL = hex('#00808F');
const WHITE = hex('#FFFFFF');
const DISC_SIDE_EDGE = hex('#BCD6F2');
const DISC_TOP = hex('#CBE4FA');
const BADGE = hex('#1CC7B6');
const BADGE_DARK = hex('#00897D');

// ---------- shapes (unit coordinates) ----------
const ellipse = (cx, cy, rx, ry) => (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
const circle = (cx, cy, r) => ellipse(cx, cy, r, r);
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const union = (...fs) => (x, y) => fs.some((f) => f(x, y));
const minus = (a, b) => (x, y) => a(x, y) && !b(x, y);

function roundRect(x0, y0, x1, y1, r) {
  return (x, y) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
    const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
    return dx * dx + dy * dy <= r * r;
  };
}

/** A stroke along segment (ax,ay)-(bx,by) with round caps, width w. */
function segment(ax, ay, bx, by, w) {
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / len2));
    const dx = x - (ax + t * vx);
    const dy = y - (ay + t * vy);
    return dx * dx + dy * dy <= (w / 2) ** 2;
  };
}

/**
 * One disc of the database: a short cylinder from yTop (centre of its top ellipse) down by h.
 * Returns its silhouette, its top face and an "outset" silhouette used to cut the gap around it.
 */
function disc(cx, yTop, rx, ry, h, gap) {
  const silhouette = union(ellipse(cx, yTop, rx, ry), rect(cx - rx, yTop, cx + rx, yTop + h), ellipse(cx, yTop + h, rx, ry));
  const outset = union(
    ellipse(cx, yTop, rx + gap, ry + gap),
    rect(cx - rx - gap, yTop, cx + rx + gap, yTop + h),
    ellipse(cx, yTop + h, rx + gap, ry + gap),
  );
  return { silhouette, outset, top: ellipse(cx, yTop, rx, ry) };
}

/** `shape` turned by `angle` radians around (cx, cy). */
function rotate(shape, cx, cy, angle) {
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  return (x, y) => shape(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos);
}

/** A key on the badge's face (radius f): a ring bow, a shaft and two bits, turned 45 degrees. */
function key(cx, cy, f, w) {
  const bowR = 0.46 * f;
  const bowX = cx - 0.5 * f;
  const bow = minus(circle(bowX, cy, bowR), circle(bowX, cy, bowR - w));
  const shaft = segment(bowX + bowR - w / 2, cy, cx + 0.85 * f, cy, w);
  const bits = union(segment(cx + 0.7 * f, cy, cx + 0.7 * f, cy + 0.38 * f, w), segment(cx + 0.42 * f, cy, cx + 0.42 * f, cy + 0.28 * f, w));
  return rotate(union(bow, shaft, bits), cx, cy, -Math.PI / 4);
}

// ---------- the icon ----------
/**
 * Layers for one icon. `p` holds the size-dependent choices: the 32px icon gets fewer,
 * chunkier discs, wider gaps and a simpler badge so it stays legible.
 */
function iconLayers(p) {
  const layers = [];
  const over = (shape, color) => layers.push({ shape, color });

  // Background: rounded square, diagonal blue -> teal gradient.
  const m = p.margin;
  const tile = roundRect(m, m, 1 - m, 1 - m, p.corner);
  const background = (x, y) => mix(BLUE, TEAL, (x + y - 2 * m) / (2 - 4 * m));
  over(tile, background);
  // Gaps between parts are painted with the tile's own gradient (not punched transparent),
  // so the icon reads the same on light and dark themes.
  const erase = (shape) => over((x, y) => tile(x, y) && shape(x, y), background);

  // Database: discs painted bottom-up; each upper disc first erases a gap ring into the one below.
  const { cx, rx, ry, top, discH, discs, gap } = p.db;
  const side = (x) => mix(WHITE, DISC_SIDE_EDGE, Math.abs(x - cx) / rx); // light shading at the flanks
  for (let i = discs - 1; i >= 0; i--) {
    const d = disc(cx, top + i * (discH + gap), rx, ry, discH, gap);
    if (i < discs - 1) erase(d.outset);
    over(d.silhouette, (x) => side(x));
    over(d.top, DISC_TOP);
  }

  // "Newest" badge: a clock, set off from the database by a gap ring.
  const b = p.badge;
  erase(circle(b.cx, b.cy, b.r + b.ring));
  over(circle(b.cx, b.cy, b.r), (x, y) => mix(BADGE, BADGE_DARK, (y - (b.cy - b.r)) / (2 * b.r)));
  // Large size: white rim and hands on teal. Small size: a white dial with dark hands, which
  // survives being 10 pixels wide.
  const ink = b.dial ? BADGE_DARK : WHITE;
  if (b.key) {
    // The connection icon: what the connection holds is a credential.
    over(key(b.cx, b.cy, b.face, b.hand), WHITE);
    return layers;
  }
  if (b.dial) over(circle(b.cx, b.cy, b.face), WHITE);
  else over(minus(circle(b.cx, b.cy, b.face), circle(b.cx, b.cy, b.face - b.rim)), WHITE);
  const reach = b.dial ? 0.78 : 0.62;
  over(segment(b.cx, b.cy, b.cx, b.cy - b.face * reach, b.hand), ink); // minute hand at 12
  over(segment(b.cx, b.cy, b.cx + b.face * reach * 0.8, b.cy, b.hand), ink); // hour hand at 3
  return layers;
}

const PARAMS = {
  64: {
    margin: 0.02,
    corner: 0.2,
    db: { cx: 0.42, rx: 0.28, ry: 0.095, top: 0.21, discH: 0.13, discs: 3, gap: 0.05 },
    badge: { cx: 0.71, cy: 0.71, r: 0.26, ring: 0.045, face: 0.21, hand: 0.05, key: true },
  },
  128: {
    margin: 0.03,
    corner: 0.2,
    db: { cx: 0.43, rx: 0.25, ry: 0.085, top: 0.22, discH: 0.135, discs: 3, gap: 0.035 },
    badge: { cx: 0.7, cy: 0.7, r: 0.2, ring: 0.04, face: 0.15, hand: 0.045, dial: true },
  },
  32: {
    margin: 0.0,
    corner: 0.19,
    db: { cx: 0.41, rx: 0.3, ry: 0.1, top: 0.2, discH: 0.13, discs: 3, gap: 0.06 },
    badge: { cx: 0.72, cy: 0.72, r: 0.24, ring: 0.05, face: 0.17, hand: 0.07, dial: true },
  },
};

// ---------- rasterising ----------
function render(size, layers, samples) {
  const out = new Float64Array(size * size * 4);
  const n = samples * samples;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          // premultiplied colour of this sample
          let cr = 0, cg = 0, cb = 0, ca = 0;
          for (const l of layers) {
            if (!l.shape(x, y)) continue;
            const c = typeof l.color === 'function' ? l.color(x, y) : l.color;
            const al = c[3];
            cr = c[0] * al + cr * (1 - al);
            cg = c[1] * al + cg * (1 - al);
            cb = c[2] * al + cb * (1 - al);
            ca = al + ca * (1 - al);
          }
          r += cr; g += cg; b += cb; a += ca;
        }
      }
      const i = (py * size + px) * 4;
      out[i] = r / n; out[i + 1] = g / n; out[i + 2] = b / n; out[i + 3] = a / n;
    }
  }
  // un-premultiply to 8-bit straight RGBA, as PNG stores it
  const rgba = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = out[i * 4 + 3];
    for (let k = 0; k < 3; k++) rgba[i * 4 + k] = a > 0 ? Math.round(Math.min(1, out[i * 4 + k] / a) * 255) : 0;
    rgba[i * 4 + 3] = Math.round(a * 255);
  }
  return rgba;
}

// ---------- PNG encoding ----------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  // Each scanline: filter byte 1 (Sub) then the row; Sub compresses flat areas well.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1;
    for (let x = 0; x < stride; x++) {
      const cur = rgba[y * stride + x];
      const left = x >= 4 ? rgba[y * stride + x - 4] : 0;
      raw[o + 1 + x] = (cur - left) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Nearest-neighbour upscale composited on a solid background, for eyeballing the result. */
function preview(size, rgba, scale, bg) {
  const s = size * scale;
  const out = Buffer.alloc(s * s * 4);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const i = (Math.floor(y / scale) * size + Math.floor(x / scale)) * 4;
      const a = rgba[i + 3] / 255;
      const o = (y * s + x) * 4;
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(rgba[i + k] * a + bg[k] * (1 - a));
      out[o + 3] = 255;
    }
  }
  return encodePng(s, s, out);
}

function write(path, buf) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, buf);
  console.log(`${path.slice(root.length + 1)}  ${buf.length} bytes`);
}

const targets = [
  { size: 128, path: join(root, 'images', 'extension-icon.png') },
  { size: 64, path: join(root, 'images', 'lcs-connection-icon.png') },
  // Every task folder (tasks/<Name>V<N>/ with a task.json) gets the task icon.
  ...readdirSync(join(root, 'tasks'))
    .filter((name) => existsSync(join(root, 'tasks', name, 'task.json')))
    .map((name) => ({ size: 32, path: join(root, 'tasks', name, 'icon.png') })),
];
const wantPreview = process.argv.includes('--preview');
for (const { size, path } of targets) {
  const rgba = render(size, iconLayers(PARAMS[size]), 8);
  write(path, encodePng(size, size, rgba));
  if (wantPreview) {
    const scale = size === 128 ? 4 : size === 64 ? 6 : 8;
    write(join(root, '.tmp', 'icons', `${size}-light.png`), preview(size, rgba, scale, [255, 255, 255]));
    write(join(root, '.tmp', 'icons', `${size}-dark.png`), preview(size, rgba, scale, [30, 30, 30]));
    write(join(root, '.tmp', 'icons', `${size}-actual.png`), preview(size, rgba, 1, [255, 255, 255]));
  }
}

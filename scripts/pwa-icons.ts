// The PWA icon, drawn in code so no binary is committed: a rounded navy square
// with six bars in the dialect colours. Used by vite.config.ts to write PNGs
// (any size) and by public/icon.svg (same drawing).
import { deflateSync } from 'node:zlib';

const BG = [0x1d, 0x2b, 0x53];
const BARS = ['#d1495b', '#edae49', '#66a182', '#00798c', '#8d6cab', '#30638e'].map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
const HEIGHTS = [0.42, 0.62, 0.5, 0.74, 0.34, 0.56];

/** RGBA pixels of the icon at `size`; `maskable` keeps the drawing inside the 80 % safe zone on a full-bleed background. */
export function iconPixels(size: number, maskable = false): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const pad = maskable ? 0.2 : 0.12;
  const radius = maskable ? 0 : 0.2 * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      // Rounded-square mask with 1-pixel antialiasing.
      const dx = Math.max(radius - x - 0.5, x + 0.5 - (size - radius), 0);
      const dy = Math.max(radius - y - 0.5, y + 0.5 - (size - radius), 0);
      const d = Math.hypot(dx, dy) - radius;
      const alpha = radius === 0 ? 1 : Math.max(0, Math.min(1, 0.5 - d));
      let c = BG;
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const inner = 1 - 2 * pad;
      const slot = inner / 6;
      const i = Math.floor((u - pad) / slot);
      if (i >= 0 && i < 6) {
        const within = (u - pad - i * slot) / slot;
        const top = 1 - pad - HEIGHTS[i] * inner;
        if (within > 0.14 && within < 0.86 && v >= top && v <= 1 - pad) c = BARS[i];
      }
      px[o] = c[0];
      px[o + 1] = c[1];
      px[o + 2] = c[2];
      px[o + 3] = Math.round(alpha * 255);
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG (RGBA, 8 bit) of the icon. */
export function iconPng(size: number, maskable = false): Uint8Array {
  const px = iconPixels(size, maskable);
  const raw = new Uint8Array(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(px.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, size);
  v.setUint32(4, size);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The same drawing as SVG. */
export function iconSvg(): string {
  const pad = 0.12 * 512;
  const inner = 512 - 2 * pad;
  const slot = inner / 6;
  const bars = HEIGHTS.map((h, i) => {
    const x = pad + i * slot + 0.14 * slot;
    const w = 0.72 * slot;
    const hh = h * inner;
    const y = 512 - pad - hh;
    const [r, g, b] = BARS[i];
    return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${hh.toFixed(1)}" fill="rgb(${r},${g},${b})"/>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="102" fill="rgb(${BG.join(',')})"/>${bars}</svg>\n`;
}

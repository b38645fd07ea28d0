/**
 * Pillow's separable resampling (Resample.c) for 8-bit RGB: the filter support grows with the
 * downscale factor (antialiasing), coefficients are normalised then fixed-point with 22 bits, the
 * horizontal pass runs first and each pass rounds and clamps to 8 bits. CLIP's reference
 * preprocessing is Pillow's; libvips matches it closely when shrinking but not when enlarging, so
 * the engine uses this for photos smaller than the model input.
 */
export type ResampleFilter = 'bicubic' | 'bilinear';

const PRECISION_BITS = 32 - 8 - 2;

const FILTERS: Record<ResampleFilter, { support: number; weight(x: number): number }> = {
  bicubic: {
    support: 2,
    weight(x) {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  bilinear: {
    support: 1,
    weight(x) {
      const t = Math.abs(x);
      return t < 1 ? 1 - t : 0;
    },
  },
};

interface Coefficients {
  /** First input index for each output index. */
  starts: Int32Array;
  /** Number of taps for each output index. */
  counts: Int32Array;
  /** Fixed-point weights, `taps` per output index. */
  weights: Int32Array;
  taps: number;
}

function coefficients(inSize: number, outSize: number, filter: ResampleFilter): Coefficients {
  const { support: baseSupport, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = baseSupport * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const row = new Float64Array(taps);
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const count = Math.min(inSize, Math.trunc(centre + support + 0.5)) - first;
    let total = 0;
    for (let i = 0; i < count; i++) {
      row[i] = weight((i + first - centre + 0.5) / filterScale);
      total += row[i]!;
    }
    for (let i = 0; i < count; i++) {
      const normalised = total !== 0 ? row[i]! / total : 0;
      const fixed = normalised * (1 << PRECISION_BITS);
      weights[out * taps + i] = fixed < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    starts[out] = first;
    counts[out] = count;
  }
  return { starts, counts, weights, taps };
}

function clamp8(value: number): number {
  const shifted = Math.floor(value / (1 << PRECISION_BITS));
  return shifted < 0 ? 0 : shifted > 255 ? 255 : shifted;
}

/** Resamples interleaved 8-bit RGB from `from` to `to` pixels, as Pillow's `Image.resize` does. */
export function resampleRgb(
  pixels: Uint8Array,
  from: { width: number; height: number },
  to: { width: number; height: number },
  filter: ResampleFilter,
): Uint8Array {
  const half = 1 << (PRECISION_BITS - 1);
  const horizontal = coefficients(from.width, to.width, filter);
  const wide = new Uint8Array(to.width * from.height * 3);
  for (let y = 0; y < from.height; y++) {
    for (let x = 0; x < to.width; x++) {
      const start = horizontal.starts[x]!;
      const count = horizontal.counts[x]!;
      const base = x * horizontal.taps;
      let r = half;
      let g = half;
      let b = half;
      for (let i = 0; i < count; i++) {
        const k = horizontal.weights[base + i]!;
        const source = (y * from.width + start + i) * 3;
        r += pixels[source]! * k;
        g += pixels[source + 1]! * k;
        b += pixels[source + 2]! * k;
      }
      const target = (y * to.width + x) * 3;
      wide[target] = clamp8(r);
      wide[target + 1] = clamp8(g);
      wide[target + 2] = clamp8(b);
    }
  }
  const vertical = coefficients(from.height, to.height, filter);
  const result = new Uint8Array(to.width * to.height * 3);
  for (let y = 0; y < to.height; y++) {
    const start = vertical.starts[y]!;
    const count = vertical.counts[y]!;
    const base = y * vertical.taps;
    for (let x = 0; x < to.width; x++) {
      let r = half;
      let g = half;
      let b = half;
      for (let i = 0; i < count; i++) {
        const k = vertical.weights[base + i]!;
        const source = ((start + i) * to.width + x) * 3;
        r += wide[source]! * k;
        g += wide[source + 1]! * k;
        b += wide[source + 2]! * k;
      }
      const target = (y * to.width + x) * 3;
      result[target] = clamp8(r);
      result[target + 1] = clamp8(g);
      result[target + 2] = clamp8(b);
    }
  }
  return result;
}

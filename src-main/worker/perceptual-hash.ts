import sharp from 'sharp';

const SIZE = 32;
const KEPT = 8;

/** cos((2x + 1) u π / 2N), for the DCT-II of a 32-point row. */
const COSINES = Array.from({ length: KEPT }, (_, u) =>
  Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))),
);

/**
 * A 64-bit perceptual hash (pHash) of an RGB image, as 16 hex digits: the picture shrunk to 32×32
 * grey pixels, its 8×8 lowest spatial frequencies (discrete cosine transform), one bit per
 * frequency (above the median or not). Resizing, re-encoding, brightening and small crops keep
 * nearly every bit; a different photo, even of the same colours, flips about half. It tells
 * copies apart from look-alikes, which embeddings alone cannot.
 */
export async function perceptualHash(
  rgb: Uint8Array,
  raw: { width: number; height: number; channels: 3 },
): Promise<string> {
  const grey = await sharp(rgb, { raw })
    .greyscale()
    .resize(SIZE, SIZE, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  // Rows first, then columns, keeping only the low frequencies that the hash uses.
  const rows = Array.from({ length: SIZE }, (_, y) =>
    COSINES.map((cosines) => cosines.reduce((sum, c, x) => sum + c * grey[y * SIZE + x]!, 0)),
  );
  const coefficients: number[] = [];
  for (let v = 0; v < KEPT; v++) {
    for (let u = 0; u < KEPT; u++) {
      coefficients.push(COSINES[v]!.reduce((sum, c, y) => sum + c * rows[y]![u]!, 0));
    }
  }
  // The DC term (overall brightness) says nothing about the picture's structure.
  const median = [...coefficients.slice(1)].sort((a, b) => a - b)[Math.floor((coefficients.length - 1) / 2)]!;
  let bits = 0n;
  for (const coefficient of coefficients) bits = (bits << 1n) | (coefficient > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** How many of the 64 bits two hashes disagree on. */
export function hammingDistance(a: string, b: string): number {
  let difference = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (difference > 0n) {
    count += Number(difference & 1n);
    difference >>= 1n;
  }
  return count;
}

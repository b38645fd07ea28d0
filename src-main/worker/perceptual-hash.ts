import sharp from 'sharp';

/**
 * A 64-bit difference hash (dHash) of an RGB image, as 16 hex digits: the picture shrunk to 9×8
 * grey pixels, one bit per horizontal neighbour pair (is the left one brighter?). Resizing,
 * re-encoding and light edits keep nearly every bit; a different photo of the same subject flips
 * about half. It tells copies apart from look-alikes, which embeddings alone cannot.
 */
export async function differenceHash(
  rgb: Uint8Array,
  raw: { width: number; height: number; channels: 3 },
): Promise<string> {
  const grey = await sharp(rgb, { raw }).greyscale().resize(9, 8, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  let bits = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      bits = (bits << 1n) | (grey[y * 9 + x]! > grey[y * 9 + x + 1]! ? 1n : 0n);
    }
  }
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

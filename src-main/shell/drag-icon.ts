import sharp from 'sharp';

export const DRAG_ICON_SIZE = 64;

/**
 * The picture that follows the pointer when a photo is dragged out of Shoebox, as PNG (Electron's
 * nativeImage reads PNG and JPEG, not the WebP thumbnails). A missing or unreadable thumbnail gets
 * a plain grey square: macOS refuses a drag without an icon.
 */
export async function dragIconPng(thumbnailPath: string | null): Promise<Buffer> {
  if (thumbnailPath) {
    try {
      return await sharp(thumbnailPath).resize(DRAG_ICON_SIZE, DRAG_ICON_SIZE, { fit: 'inside' }).png().toBuffer();
    } catch {
      // Fall through to the placeholder.
    }
  }
  return sharp({
    create: {
      width: DRAG_ICON_SIZE,
      height: DRAG_ICON_SIZE,
      channels: 4,
      background: { r: 128, g: 128, b: 128, alpha: 0.8 },
    },
  })
    .png()
    .toBuffer();
}

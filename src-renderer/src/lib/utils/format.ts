const counts = new Intl.NumberFormat();
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const shortDateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatCount(n: number): string {
  return counts.format(n);
}

export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const BYTE_UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatByteRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatPhotoRate(photosPerSecond: number): string {
  return `${decimals.format(photosPerSecond)} photos/s`;
}

export function formatEta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null;
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `about ${hours} h left` : `about ${hours} h ${rest} min left`;
}

export function formatMonth(time: number): string {
  return monthFormat.format(time);
}

export function formatDateTime(time: number): string {
  return dateTimeFormat.format(time);
}

export function formatShortDateTime(time: number): string {
  return shortDateTimeFormat.format(time);
}

/** Similarity scores with two decimals, or three where two would make different scores look equal. */
export function formatScores(...scores: number[]): string[] {
  const two = scores.map((score) => score.toFixed(2));
  const clash = scores.some((a, i) => scores.some((b, j) => a !== b && two[i] === two[j]));
  return clash ? scores.map((score) => score.toFixed(3)) : two;
}

/** Sensitivity from -1 (strict) to 1 (loose), signed so 0 reads as the middle. */
export function formatSensitivity(value: number): string {
  const text = Math.abs(value).toFixed(2);
  return value > 0.004 ? `+${text}` : value < -0.004 ? `−${text}` : '0.00';
}

export function formatCoordinates(latitude: number, longitude: number): string {
  const lat = `${Math.abs(latitude).toFixed(5)}° ${latitude < 0 ? 'S' : 'N'}`;
  const lon = `${Math.abs(longitude).toFixed(5)}° ${longitude < 0 ? 'W' : 'E'}`;
  return `${lat}, ${lon}`;
}

/** "Canon" + "Canon EOS 5D" reads better as "Canon EOS 5D". */
export function formatCamera(make: string | null, model: string | null): string | null {
  const cleanMake = make?.trim() ?? '';
  const cleanModel = model?.trim() ?? '';
  if (!cleanMake && !cleanModel) return null;
  if (!cleanMake) return cleanModel;
  if (!cleanModel) return cleanMake;
  const makeWord = cleanMake.split(/\s+/)[0]?.toLowerCase() ?? '';
  return cleanModel.toLowerCase().startsWith(makeWord) ? cleanModel : `${cleanMake} ${cleanModel}`;
}

export function formatDimensions(width: number | null, height: number | null): string | null {
  if (width === null || height === null) return null;
  const megapixels = (width * height) / 1_000_000;
  const size = `${formatCount(width)} × ${formatCount(height)}`;
  return megapixels >= 0.1 ? `${size} · ${decimals.format(megapixels)} MP` : size;
}

/** The last part of a folder path, whichever separator the engine's platform uses. */
export function folderName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts.at(-1) ?? path;
}

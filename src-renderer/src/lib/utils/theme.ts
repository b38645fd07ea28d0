import type { Settings } from '$lib/api/types.js';

type Theme = Settings['theme'];

const THEME_KEY = 'shoebox.theme';

function isTheme(value: string | null): value is Theme {
  return value === 'light' || value === 'dark' || value === 'system';
}

/** The stylesheet reads `data-theme`; 'system' follows the operating system's appearance. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  // Remembered locally too, so the next start paints in the right colours before settings arrive.
  localStorage.setItem(THEME_KEY, theme);
}

export function rememberedTheme(): Theme {
  const stored = localStorage.getItem(THEME_KEY);
  return isTheme(stored) ? stored : 'system';
}

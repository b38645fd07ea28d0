import { homedir } from 'node:os';
import { join } from 'node:path';

const APP_NAME = 'Shoebox';

/**
 * The folder Electron's `app.getPath('userData')` gives the desktop app, so the CLI and the app
 * share one library by default.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.SHOEBOX_DATA_DIR) return env.SHOEBOX_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

export interface DataDirLayout {
  root: string;
  database: string;
  thumbnails: string;
  models: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  return {
    root,
    database: join(root, 'library.db'),
    thumbnails: join(root, 'thumbnails'),
    models: join(root, 'models'),
  };
}

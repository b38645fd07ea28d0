#!/usr/bin/env node
// The CLI is written in TypeScript and compiled by `npm install` (the "prepare" script) into dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src-main/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'shoebox: the program is not built yet: run "npm install" (or "npm run build") in the Shoebox folder.\n',
  );
  process.exit(1);
}
// Output piped into `head` and the like may close early; that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);

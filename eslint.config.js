import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Imports matching `regex` are refused in `files` (type-only imports of the API contract allowed),
 * and so is electron outside the shell. One rule entry per folder: a later entry for the same rule
 * would replace, not add to, an earlier one.
 */
function layer(files, regex, message) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'only the Electron shell (src-main/shell) imports electron' }],
          patterns: [{ regex, message, allowTypeImports: regex.includes('contract') }],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.bench-cache/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Layers (docs/engine.md): shared ← worker ← engine ← api ← cli / shell. Each folder imports only
  // from the layers below it; only the Electron shell touches electron; the renderer sees the API
  // contract and the shared folder, nothing else of the main side.
  layer(['src-main/shared/**/*.ts'], '(^|/)(engine|worker|api|cli|shell)/', 'shared code imports nothing of the app'),
  layer(
    ['src-main/worker/**/*.ts'],
    '(^|/)(engine|api|cli|shell)/',
    'the worker is a leaf: only shared/ and its own files',
  ),
  layer(
    ['src-main/engine/**/*.ts'],
    '(^|/)(cli|shell)/|(^|/)api/(?!contract\\.js$)',
    'the engine knows no transport or UI',
  ),
  layer(['src-main/api/**/*.ts'], '(^|/)(cli|shell)/', 'the API knows no CLI or Electron shell'),
  layer(
    ['src-renderer/**/*.ts'],
    'src-main/(?!api/contract\\.js$|shared/)',
    'the renderer talks to the engine through the API contract only',
  ),
  layer(['src-main/cli/**/*.ts'], '(^|/)shell/', 'the CLI knows no Electron shell'),
  {
    files: ['scripts/bench-ui-page.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        performance: 'readonly',
        requestAnimationFrame: 'readonly',
        Event: 'readonly',
      },
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);

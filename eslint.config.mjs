// ESLint flat config: `npm run lint` (= `eslint .`).
// TypeScript (tasks/, test/, scripts/*.ts): @eslint/js + typescript-eslint recommended.
// tasks/ also gets four type-aware rules, with the types of tasks/tsconfig.json.
// Node scripts (*.mjs): @eslint/js recommended with Node's globals.
// Build outputs (build/, dist/, tasks/*/dist/, any .js) are not linted.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals, listed here rather than pulling in the `globals` package for a dozen names.
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'Buffer',
    'console',
    'URL',
    'URLSearchParams',
    'TextEncoder',
    'TextDecoder',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'AbortController',
    'AbortSignal',
    'fetch',
    'performance',
    'global',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);
const mochaGlobals = Object.fromEntries(['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach', 'context'].map((name) => [name, 'readonly']));

const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }];

export default defineConfig(
  globalIgnores(['node_modules/', 'build/', 'dist/', 'tasks/*/dist/', '.tmp/', '**/*.js', '**/*.cjs', '**/*.d.ts']),
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: nodeGlobals },
    rules: {
      'no-unused-vars': unusedVars,
    },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...nodeGlobals, ...mochaGlobals } },
    rules: {
      // TypeScript itself reports undefined names, with type information eslint lacks.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': unusedVars,
      // Tests and mocks legitimately poke at untyped shapes; warn rather than fail.
      '@typescript-eslint/no-explicit-any': 'warn',
      // The tasks import everything statically; `require()` is left to tests that load a
      // compiled module by path (test/unit/taskManifests.test.ts). Warn so each use is a choice.
      '@typescript-eslint/no-require-imports': 'warn',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    // Type-aware rules on the shipped code only: each finds a real class of defect (a promise
    // nobody awaits, a check the types say can never differ, a `!` that hides an undefined, a call
    // the library has deprecated). Tests and scripts stay on the faster syntax-only rules.
    files: ['tasks/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-deprecated': 'error',
    },
  },
);

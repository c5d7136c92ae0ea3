// ESLint flat config. The rules are chosen to catch real bugs (a promise nobody awaits,
// an async callback where a sync one is expected, an unsafe comparison) rather than
// style; formatting belongs to Prettier and folder direction to dependency-cruiser
// (.dependency-cruiser.cjs). Type-aware rules use the project's own tsconfig files.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'var/**', 'test-artifacts/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises: a dropped rejection ends up as an unhandled rejection or a lost write.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'off',
      // Only where it changes behaviour: a promise returned from inside try/catch escapes the catch.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Type-only imports are erased; keeping them marked keeps run-time graphs honest
      // (a page importing a server type must not pull the server module into the browser).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // Errors re-thrown with a new message keep the original as `cause` (logs show both).
      'preserve-caught-error': 'error',
      // Sequence expressions hide a call; plain ternaries and && calls are the style here.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Style, not bugs: sanitizers match control characters on purpose; prom-client's
      // collect() callbacks need their own `this`; an initial value kept for readability.
      'no-control-regex': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      'no-useless-assignment': 'off',
      // tsc (noUnusedLocals/Parameters) already reports unused names.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
    },
  },
  {
    // Tests poke at raw YAML documents and match exact messages.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-regex-spaces': 'off' },
  },
  {
    files: ['src/web/**/*.ts', 'src/web/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src/web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);

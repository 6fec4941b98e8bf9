// ESLint flat config: type-aware linting of every TypeScript file the project's tsconfig.json covers.
// `npm run lint` runs this with --max-warnings 0, so a warning fails it as surely as an error.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const typeScriptFiles = ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'vitest.config.ts'];

export default defineConfig(
  {
    // Not code we own or lint: build output, dependencies, test data, docs, fonts.
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/fixtures/**', 'docs/**', 'assets/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // The few plain-JS config files (this one, .dependency-cruiser.cjs): ESLint's own recommended set.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
  },
  {
    files: typeScriptFiles,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // One TypeScript program per tsconfig, found the way the editor finds it: tsconfig.json covers all of these.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise nobody awaits or catches is an unhandled rejection waiting to happen (and a lost job in a worker).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (Bolt listeners, event emitters, setInterval) drops its errors.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // verbatimModuleSyntax already demands `type` on type-only imports; this keeps them inline: import { x, type T }.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      // ...and an import whose every name is inline `type` is written `import type`, so it leaves no side-effect import.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // tsc's noUnusedLocals / noUnusedParameters report these; one tool for it is enough.
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
);

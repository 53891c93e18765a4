import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code is replayed deterministically: no Node built-ins, no floating promises.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'examples/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'workflow code must be deterministic: no Node built-ins' })),
        patterns: [
          { group: ['../src/*', '../activities', '../activities/*'], allowTypeImports: true,
            message: 'workflows import only workflows/ and activity types' },
        ],
      }],
    },
  },
  {
    // The typed client runs in browsers too: fetch only, and the server's code as types only.
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'the client runs in browsers: no Node built-ins' })),
        patterns: [{ regex: '^\\.\\./', allowTypeImports: true, message: 'the client imports the server\'s modules as types only' }],
      }],
    },
  },
  {
    // The dashboard is browser code (its tsconfig has Node types only for what the client's
    // type imports reach): no Node built-ins or globals, and the server only through src/client.
    files: ['dashboard/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'the dashboard runs in browsers: no Node built-ins' })),
        patterns: [{ regex: '^(\\.\\./)+(src/(?!client(/|$))|workflows|activities|test|bench)', allowTypeImports: true, message: 'the dashboard reaches the server through src/client only' }],
      }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', 'global'],
    },
  },
);

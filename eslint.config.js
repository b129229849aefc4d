import tseslint from 'typescript-eslint';

/** Dependencies point one way: routes → services → db | ports; plugin and media stay out of the backend. */
export default tseslint.config(
  { ignores: ['node_modules/**', 'plugin/dist/**', 'dist/**', '.parley/**', 'backend/src/db/migrations/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['backend/src/routes/**/*.ts', 'backend/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/db/**', 'drizzle-orm', 'drizzle-orm/*'], message: 'Routes call services; only services touch the database.' }] },
      ],
    },
  },
  {
    files: ['backend/src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['hono', 'hono/*', '@hono/*', '**/routes/**', '**/http/**'], message: 'Services never see HTTP.' }] }],
    },
  },
  {
    files: ['backend/src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/db/**', 'drizzle-orm', '**/config'], message: 'Adapters get config through their constructor and never touch the database.' }] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Adapters get config through their constructor.' }],
    },
  },
  {
    files: ['plugin/**/*.ts', 'plugin/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/backend/**', '!**/backend/src/app', '!**/backend/src/app.js'],
              message: 'The browser talks to the backend over HTTP only (types from backend/src/app are allowed).',
              allowTypeImports: true,
            },
            { group: ['**/media/**'], message: 'The browser does not use server media code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['media/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['hono', 'hono/*', '@hono/*', 'drizzle-orm', 'drizzle-orm/*', 'postgres', '@electric-sql/*'], message: 'media/ knows Janus and files, not HTTP or the database.' },
            { group: ['**/backend/**'], message: 'media/ may import backend port types only.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tollstream/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'kafkajs', message: 'Only src/kafka/ may import kafkajs.' },
            { name: 'mysql2', message: 'Only src/storage/ may import mysql2.' },
            { name: 'mysql2/promise', message: 'Only src/storage/ may import mysql2.' },
          ],
        },
      ],
    },
  },
  { files: ['src/kafka/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src/storage/**'], rules: { 'no-restricted-imports': 'off' } },
);

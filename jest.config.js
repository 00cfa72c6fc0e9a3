/** Tests are TypeScript, transpiled by swc (type checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // Workflow and integration tests start real servers and processes: one file at a time keeps 2 cores sane.
  maxWorkers: 1,
  testTimeout: 60000,
};

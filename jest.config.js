/** Tests are TypeScript, transpiled by swc (type checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // Workflow and integration tests start real servers and processes: one file at a time keeps 2 cores sane.
  maxWorkers: 1,
  testTimeout: 60000,
  // Every test stops what it starts, but a test that fails halfway can leave a client waiting on a
  // workflow that never ends; the results are written by then, and the run must end with them.
  forceExit: true,
};

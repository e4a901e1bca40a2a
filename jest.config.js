/** Jest with ts-jest in ESM mode; run through node --experimental-vm-modules (see package.json). */
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: { ignoreCodes: [151002] } },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
export default {
  // jest-circus reads testTimeout only at the top level, not per project.
  testTimeout: 120000,
  testSequencer: '<rootDir>/test/sequencer.cjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'itg',
      testMatch: ['<rootDir>/test/itg/**/*.test.ts'],
      globalSetup: '<rootDir>/test/itg/global-setup.ts',
      globalTeardown: '<rootDir>/test/itg/global-teardown.ts',
    },
  ],
};

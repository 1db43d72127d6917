// Unit specs live beside the code (apps/**, libs/**); end-to-end specs in test/ start the built servers as processes.
const shared = {
  testEnvironment: '<rootDir>/test/jest/node-environment.js',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { '^@ensemble/(.*)$': '<rootDir>/libs/$1/src' },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], slowTestThreshold: 60 },
  ],
  reporters: ['default', '<rootDir>/test/jest/summary-reporter.js'],
  testTimeout: 120000,
};

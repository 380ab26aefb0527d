// Kept equal to package.json's version by a unit test (a bundled agent executable has no package.json).
export const VERSION = '0.1.0';

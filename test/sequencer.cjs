// Orders test files: unit tests first, then integration tests by path, and the leftovers audit
// (test/itg/zz-audit.test.ts) last, since it checks what the whole suite left behind.
const Sequencer = require('@jest/test-sequencer').default;

class LsfDockerSequencer extends Sequencer {
  sort(tests) {
    const key = (t) =>
      `${t.path.includes('/test/itg/') ? 1 : 0}${t.path.endsWith('zz-audit.test.ts') ? 1 : 0}${t.path}`;
    return [...tests].sort((a, b) => key(a).localeCompare(key(b)));
  }
}

module.exports = LsfDockerSequencer;

import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import { parsePreserveEnvironment, parseRunLogLevel } from '../../../lib/request/variables.js';

describe('the switch variables docker_run and docker_exec share', () => {
  test.each<[string | undefined, boolean | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    ['false', false],
    ['0', false],
    ['yes', true],
  ])('LSF_DOCKER_PRESERVE_ENVIRONMENT=%j', (text, value) => {
    expect(parsePreserveEnvironment({ LSF_DOCKER_PRESERVE_ENVIRONMENT: text })).toEqual({ ok: true, value });
  });
  test.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['debug', 'DEBUG'],
    ['warn', 'WARNING'],
  ])('LSF_DOCKER_RUN_LOGLEVEL=%j', (text, value) => {
    expect(parseRunLogLevel({ LSF_DOCKER_RUN_LOGLEVEL: text })).toEqual({ ok: true, value });
  });
  test.each<[() => ReturnType<typeof parseRunLogLevel | typeof parsePreserveEnvironment>, string]>([
    [
      () => parsePreserveEnvironment({ LSF_DOCKER_PRESERVE_ENVIRONMENT: 'sometimes' }),
      'LSF_DOCKER_PRESERVE_ENVIRONMENT: "sometimes" is not true or false',
    ],
    [
      () => parseRunLogLevel({ LSF_DOCKER_RUN_LOGLEVEL: 'LOUD' }),
      'LSF_DOCKER_RUN_LOGLEVEL: "LOUD" is not CRITICAL, ERROR, WARNING, INFO or DEBUG',
    ],
  ])('a bad value is a request error: %s', (parse, message) => {
    const parsed = parse();
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect([parsed.error.code, parsed.error.message]).toEqual([ExitCode.BAD_REQUEST, message]);
  });
});

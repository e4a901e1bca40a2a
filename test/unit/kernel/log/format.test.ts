import { formatLogLine, LOG_LEVELS, parseLogLevel } from '../../../../lib/kernel/log/levels.js';

describe('formatLogLine: MMM DD HH:MM:SS prog[PID]: LEVEL: message', () => {
  test.each<[Date, string, number, (typeof LOG_LEVELS)[number], string, string]>([
    [
      new Date(2024, 0, 5, 3, 4, 5),
      'docker_run',
      42,
      'INFO',
      'hello',
      'Jan 05 03:04:05 docker_run[42]: INFO: hello',
    ],
    [
      new Date(2023, 11, 31, 23, 59, 59),
      'esub.docker',
      7,
      'ERROR',
      'x: y',
      'Dec 31 23:59:59 esub.docker[7]: ERROR: x: y',
    ],
    [
      new Date(2024, 5, 15, 12, 0, 0),
      'docker_run',
      123456,
      'DEBUG',
      '',
      'Jun 15 12:00:00 docker_run[123456]: DEBUG: ',
    ],
  ])('%s', (date, program, pid, level, message, line) => {
    expect(formatLogLine(date, program, pid, level, message)).toBe(line);
  });

  test('every month has its three-letter name', () => {
    const names = Array.from({ length: 12 }, (_, m) =>
      formatLogLine(new Date(2024, m, 1), 'p', 1, 'INFO', '').slice(0, 3),
    );
    expect(names).toEqual([
      'Jan',
      'Feb',
      'Mar',
      'Apr',
      'May',
      'Jun',
      'Jul',
      'Aug',
      'Sep',
      'Oct',
      'Nov',
      'Dec',
    ]);
  });

  test('the shape, for any time', () => {
    for (let t = 0; t < 400; t++) {
      const line = formatLogLine(
        new Date(2024, 0, 1 + t, t % 24, t % 60, (t * 7) % 60),
        'docker_run',
        99,
        'WARNING',
        'm',
      );
      expect(line).toMatch(/^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} docker_run\[99\]: WARNING: m$/);
    }
  });
});

describe('parseLogLevel: RIS names, any case, WARN for WARNING', () => {
  test.each<[string | undefined, string | undefined]>([
    ['CRITICAL', 'CRITICAL'],
    ['error', 'ERROR'],
    ['Warning', 'WARNING'],
    ['WARN', 'WARNING'],
    [' info ', 'INFO'],
    ['debug', 'DEBUG'],
    ['TRACE', undefined],
    ['', undefined],
    [undefined, undefined],
    ['DEBUG2', undefined],
  ])('%j -> %j', (text, level) => {
    expect(parseLogLevel(text)).toBe(level);
  });

  test('levels, most severe first', () => {
    expect(LOG_LEVELS).toEqual(['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG']);
  });
});

import { jest } from '@jest/globals';
import { createLogger, flushLogs } from '../../../../lib/kernel/log/logger.js';

/**
 * winston's console transport writes to console._stderr (process.stderr in node; under jest the
 * worker's own stream) or, where there is none, to console.error bound when the logger is made:
 * catch all of them, before each logger is created.
 */
let lines: string[] = [];
let spies: Array<{ mockRestore(): void }> = [];
beforeEach(() => {
  lines = [];
  const grab = (chunk: unknown) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l !== ''),
    );
    return true;
  };
  const consoleStderr = (console as unknown as { _stderr?: NodeJS.WriteStream })._stderr;
  spies = [
    jest.spyOn(process.stderr, 'write').mockImplementation(grab as never),
    ...(consoleStderr && consoleStderr !== process.stderr
      ? [jest.spyOn(consoleStderr, 'write').mockImplementation(grab as never)]
      : []),
    jest.spyOn(console, 'error').mockImplementation(grab),
    jest.spyOn(console, 'warn').mockImplementation(grab),
    jest.spyOn(console, 'log').mockImplementation(grab),
  ];
});
afterEach(() => {
  for (const spy of spies) spy.mockRestore();
});

const LINE = /^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} docker_run\[\d+\]: /;
const bodies = () => lines.map((l) => l.replace(LINE, ''));

describe('createLogger', () => {
  test('lines below the level are not written', async () => {
    const log = createLogger('docker_run', 'WARNING');
    log.info('below the level');
    log.debug('below the level');
    await log.flush();
    expect(lines).toEqual([]);
  });

  test('lines logged while winston loads keep their order', async () => {
    const log = createLogger('docker_run', 'DEBUG');
    for (let i = 0; i < 5; i++) log.debug(`line ${i}`);
    await flushLogs();
    expect(bodies()).toEqual([0, 1, 2, 3, 4].map((i) => `DEBUG: line ${i}`));
  });

  test('one formatted line per event, at or above the level, secrets redacted', async () => {
    const log = createLogger('docker_run', 'INFO');
    log.info('exec: docker login --password hunter2 reg');
    log.debug('not shown');
    log.warning('careful');
    log.error('bad');
    log.critical('worse');
    await log.flush();
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(LINE);
    expect(lines[0]).toContain(`docker_run[${process.pid}]`);
    expect(bodies()).toEqual([
      'INFO: exec: docker login --password *** reg',
      'WARNING: careful',
      'ERROR: bad',
      'CRITICAL: worse',
    ]);
  });

  test('setLevel changes what is written, and debugEnabled says so', async () => {
    const log = createLogger('docker_run');
    expect(log.debugEnabled).toBe(false);
    log.info('quiet');
    log.warning('loud');
    log.setLevel('DEBUG');
    expect(log.debugEnabled).toBe(true);
    log.debug('DB_PASSWORD=x');
    log.setLevel('CRITICAL');
    log.error('hidden');
    await log.flush();
    expect(bodies()).toEqual(['WARNING: loud', 'DEBUG: DB_PASSWORD=***']);
  });
});

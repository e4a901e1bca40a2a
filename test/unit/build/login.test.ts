import { PassThrough } from 'node:stream';
import { readCredentials, scrub } from '../../../lib/build/login.js';
import { parseLoginRequest, wantsLoginOnly } from '../../../lib/build/login-request.js';
import { readStdinLines, TerminalReader } from '../../../lib/build/prompt.js';
import { defaultConfig } from '../../../lib/config/schema.js';
import { ExitCode } from '../../../lib/kernel/exit-codes.js';
import type { Logger } from '../../../lib/kernel/log/logger.js';
import { errorOf } from '../helpers/errors.js';

const quiet: Logger = {
  critical() {},
  error() {},
  warning() {},
  info() {},
  debug() {},
  debugEnabled: false,
  setLevel() {},
  flush: async () => {},
};

describe('login request from LSB_DOCKER_LOGIN_*', () => {
  test('LSB_DOCKER_LOGIN_ONLY', () => {
    expect(wantsLoginOnly({})).toBe(false);
    expect(wantsLoginOnly({ LSB_DOCKER_LOGIN_ONLY: '1' })).toBe(true);
    expect(wantsLoginOnly({ LSB_DOCKER_LOGIN_ONLY: 'no' })).toBe(false);
    expect(errorOf(() => wantsLoginOnly({ LSB_DOCKER_LOGIN_ONLY: 'please' })).message).toMatch(
      /^LSB_DOCKER_LOGIN_ONLY: "please"/,
    );
  });

  test.each<[Record<string, string>, object]>([
    [{}, { server: 'docker.io', registry: 'docker.io', user: undefined }],
    [
      { LSB_DOCKER_LOGIN_SERVER: '127.0.0.1:5000', LSB_DOCKER_LOGIN_USER: 'lsfd' },
      { registry: '127.0.0.1:5000', user: 'lsfd' },
    ],
    [{ LSB_DOCKER_LOGIN_SERVER: 'https://index.docker.io/v1/' }, { registry: 'docker.io' }],
  ])('%j', (env, expected) => {
    expect(parseLoginRequest(env, defaultConfig())).toMatchObject(expected);
  });

  test.each<[Record<string, string>, string, number]>([
    [{ LSB_DOCKER_LOGIN_SERVER: '--password=x' }, 'LSB_DOCKER_LOGIN_SERVER', ExitCode.BAD_REQUEST],
    [{ LSB_DOCKER_LOGIN_SERVER: 'a b' }, 'LSB_DOCKER_LOGIN_SERVER', ExitCode.BAD_REQUEST],
    [{ LSB_DOCKER_LOGIN_USER: '-p' }, 'LSB_DOCKER_LOGIN_USER', ExitCode.BAD_REQUEST],
    [{ LSB_DOCKER_LOGIN_USER: 'a b' }, 'LSB_DOCKER_LOGIN_USER', ExitCode.BAD_REQUEST],
    [{ LSB_DOCKER_LOGIN_SERVER: 'evil.example.org' }, 'LSB_DOCKER_LOGIN_SERVER', ExitCode.BUILD_REFUSED],
  ])('%j is refused', (env, subject, code) => {
    const config = defaultConfig();
    config.build.allowRegistries = ['docker.io', 'registry.site.org'];
    const err = errorOf(() => parseLoginRequest(env, config));
    expect(err.subject).toBe(subject);
    expect(err.code).toBe(code);
  });
});

describe('reading credentials', () => {
  const request = { server: 'reg.org', registry: 'reg.org', user: undefined };

  test('stdin that is not a terminal: the password is its first line; the user the login name', async () => {
    const stdin = new PassThrough();
    stdin.end('s3cret pass\nignored\n');
    const creds = await readCredentials(
      request,
      { user: 'alice' },
      { stdin, stderr: new PassThrough() },
      quiet,
    );
    expect(creds).toEqual({ user: 'alice', password: 's3cret pass' });
  });

  test('an empty stdin is a login failure', async () => {
    const stdin = new PassThrough();
    stdin.end('');
    await expect(
      readCredentials(
        { ...request, user: 'bob' },
        { user: 'alice' },
        { stdin, stderr: new PassThrough() },
        quiet,
      ),
    ).rejects.toMatchObject({ code: ExitCode.LOGIN_FAILED });
  });

  test('readStdinLines strips line ends', async () => {
    const s = new PassThrough();
    s.end('a\r\nb\n');
    expect(await readStdinLines(s)).toEqual(['a', 'b']);
  });

  /** A terminal double: records raw mode, lets the test type. */
  function fakeTerminal() {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: false,
      setRawMode(on: boolean) {
        input.raw = on;
        return input;
      },
    });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (c: Buffer) => (shown += c.toString()));
    return { input, output, shown: () => shown };
  }

  test('a terminal: the user name echoes, the password does not; backspace edits', async () => {
    const t = fakeTerminal();
    const pending = readCredentials(
      request,
      { user: 'alice' },
      { stdin: t.input as never, stderr: t.output },
      quiet,
    );
    t.input.write('bob\r');
    await new Promise((r) => setImmediate(r));
    t.input.write('hunterX\x7f2\r');
    const creds = await pending;
    expect(creds).toEqual({ user: 'bob', password: 'hunter2' });
    expect(t.shown()).toContain('Username for reg.org: bob\n');
    expect(t.shown()).toContain('Password for bob@reg.org: \n');
    expect(t.shown()).not.toContain('hunter');
    expect(t.input.raw).toBe(false);
  });

  test('Ctrl-C on the terminal cancels', async () => {
    const t = fakeTerminal();
    const reader = new TerminalReader(t.input as never, t.output);
    const pending = reader.readLine('Password: ', false);
    t.input.write('abc\x03');
    await expect(pending).rejects.toMatchObject({ code: ExitCode.LOGIN_FAILED });
  });

  test('scrub removes the password from what docker said', () => {
    expect(scrub('bad pw hunter2 here hunter2', 'hunter2')).toBe('bad pw *** here ***');
    expect(scrub('x', '')).toBe('x');
  });
});

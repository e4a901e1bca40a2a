/**
 * Drive a program through a real pseudo-terminal: `script -q -e -c 'exec ARGV' /dev/null`
 * (util-linux), run as a user with runAs's controlled environment. The program's stdin, stdout
 * and stderr are the pty (isatty is true, `docker run -it` works); what the test writes goes to
 * the pty's input, and everything the pty prints (including the terminal's echo of the typed
 * input, and \r\n line ends) is collected.
 *
 *   afterEach(killPtySessions);
 *   const s = ptyAs(TEST_USER, [program('docker_run'), 'bash'], { env: {...} });
 *   await s.waitFor(/\$ $/);           // a prompt (matched on text(): escapes and \r removed)
 *   s.write('id -u\n');
 *   await s.waitFor(/^4201$/m);
 *   s.write('exit\n');
 *   const r = await s.result;          // { exitCode, signal, stdout: all raw pty output, ... }
 *
 * script's -e makes its exit code the program's. Keep stdin open until the program exits (end()
 * closes it, which script turns into an end-of-file on the pty).
 */
import { StringDecoder } from 'node:string_decoder';
import { type RunResult, type SpawnAsOptions, spawnAs } from './run-as.js';

export interface PtyOptions extends Omit<SpawnAsOptions, 'input'> {
  /** TERM for the program; default 'dumb' (no colour, no cursor escapes). Set in env to override. */
  term?: string;
}

export interface PtySession {
  /** pid of `script` (the program is its child, in its own session on the pty). */
  pid: number;
  /** Type text into the terminal (use '\n' for Enter, '\x03' for Ctrl-C, '\x04' for Ctrl-D). */
  write(text: string): void;
  /** All output so far, raw (ANSI escapes and \r kept). */
  output(): string;
  /** All output so far through stripAnsi (no escapes, no \r): what waitFor searches. */
  text(): string;
  /**
   * Resolve with text() once text().slice(from) matches `pattern` (from defaults to 0; pass
   * s.text().length before typing a command to match only what follows). Rejects with the output
   * so far after timeoutMs (default 30 s) or when the program exits without a match.
   * Busybox ash's prompt is "/ $ " followed by a cursor query escape, so match prompts on text().
   */
  waitFor(pattern: RegExp | string, timeoutMs?: number, from?: number): Promise<string>;
  /** Close the terminal's input side. */
  end(): void;
  /** Signal `script` (or its process group when detached). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when script exits; stdout holds everything the pty printed. */
  result: Promise<RunResult>;
}

const live = new Set<PtySession>();

/**
 * SIGKILL every ptyAs session of this test file that is still running, and wait for them.
 * Use afterEach(killPtySessions) (or afterAll): a test that times out never reaches its finally.
 * Containers a killed session started may outlive it: label them and remove them too.
 */
export async function killPtySessions(): Promise<void> {
  const sessions = [...live];
  for (const s of sessions) s.kill('SIGKILL');
  await Promise.all(sessions.map((s) => s.result));
}

/** Quote one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Remove ANSI escape sequences and carriage returns, for simpler matching. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\r/g, '');
}

/** Start argv as `user` on a fresh pseudo-terminal. */
export function ptyAs(user: string, argv: readonly string[], opts: PtyOptions = {}): PtySession {
  if (argv.length === 0) throw new Error('ptyAs: empty argv');
  const command = `exec ${argv.map(shellQuote).join(' ')}`;
  const env = { TERM: opts.term ?? 'dumb', ...opts.env };
  const spawned = spawnAs(user, ['script', '-q', '-e', '-c', command, '/dev/null'], {
    ...opts,
    env,
    timeout: opts.timeout ?? 120_000,
  });
  let out = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  for (const stream of [spawned.child.stdout, spawned.child.stderr]) {
    const decoder = new StringDecoder('utf8');
    stream?.on('data', (chunk: Buffer | string) => {
      out += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      notify();
    });
  }
  const result = spawned.result.then((r) => {
    exited = true;
    notify();
    // Everything the pty printed, unstripped (script writes it all to its stdout).
    return { ...r, stdout: out };
  });

  const session: PtySession = {
    pid: spawned.pid,
    write(text: string) {
      spawned.child.stdin?.write(text);
    },
    output: () => out,
    text: () => stripAnsi(out),
    waitFor(pattern: RegExp | string, timeoutMs = 30_000, from = 0): Promise<string> {
      const re =
        typeof pattern === 'string' ? undefined : new RegExp(pattern.source, pattern.flags.replace('g', ''));
      const matches = () => {
        const hay = stripAnsi(out).slice(from);
        return re ? re.test(hay) : hay.includes(pattern as string);
      };
      return new Promise<string>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          if (matches()) {
            done();
            resolve(stripAnsi(out));
          } else if (exited) {
            done();
            reject(new Error(`program exited before printing ${String(pattern)}; output:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}; output:\n${out}`),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    end() {
      spawned.child.stdin?.end();
    },
    kill: (signal?: NodeJS.Signals) => spawned.kill(signal),
    result,
  };
  live.add(session);
  void result.then(() => live.delete(session));
  return session;
}

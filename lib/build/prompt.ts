/**
 * Reading a user name and a password for `docker login`: from the terminal in an interactive job
 * (the password without echo), or from stdin when stdin is not a terminal (one line each).
 * Nothing read here is ever logged, put in argv or in an environment.
 */
import type { ReadStream } from 'node:tty';
import { WrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';

const cancelled = () => new WrapperError(ExitCode.LOGIN_FAILED, 'cancelled on the terminal', 'login');

/** Lines typed on a terminal, one at a time, with or without echo. */
export class TerminalReader {
  private pending = '';

  constructor(
    private readonly input: ReadStream,
    private readonly output: NodeJS.WritableStream,
  ) {}

  /** Prints PROMPT and reads one line; without echo nothing typed appears on the terminal. */
  async readLine(prompt: string, echo: boolean): Promise<string> {
    // Raw mode first: what is typed as soon as the prompt shows is never echoed by the terminal.
    this.input.setRawMode(true);
    this.output.write(prompt);
    this.input.resume();
    let line = '';
    try {
      line = await new Promise<string>((resolve, reject) => {
        let text = '';
        const feed = (data: string): boolean => {
          for (let i = 0; i < data.length; i++) {
            const ch = data[i]!;
            if (ch === '\r' || ch === '\n') {
              this.pending = data.slice(i + (ch === '\r' && data[i + 1] === '\n' ? 2 : 1));
              resolve(text);
              return true;
            }
            if (ch === '\x03' || (ch === '\x04' && text === '')) {
              reject(cancelled());
              return true;
            }
            if (ch === '\x7f' || ch === '\b') {
              if (text !== '') {
                text = text.slice(0, -1);
                if (echo) this.output.write('\b \b');
              }
            } else if (ch === '\x15') {
              if (echo) this.output.write('\b \b'.repeat(text.length));
              text = '';
            } else if (ch >= ' ') {
              text += ch;
              if (echo) this.output.write(ch);
            }
          }
          return false;
        };
        const onData = (chunk: Buffer | string) => {
          if (feed(chunk.toString())) cleanup();
        };
        const onEnd = () => {
          cleanup();
          reject(cancelled());
        };
        const cleanup = () => {
          this.input.off('data', onData);
          this.input.off('end', onEnd);
        };
        const buffered = this.pending;
        this.pending = '';
        if (buffered !== '' && feed(buffered)) return;
        this.input.on('data', onData);
        this.input.on('end', onEnd);
      });
    } finally {
      this.input.setRawMode(false);
      this.input.pause();
      this.output.write('\n');
    }
    return line;
  }
}

/** Everything on a non-terminal stdin, as lines (without their line ends). */
export async function readStdinLines(input: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return [];
  return text.replace(/\r?\n$/, '').split(/\r?\n/);
}

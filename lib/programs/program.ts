import { isWrapperError } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import { flushLogs } from '../kernel/log/logger.js';

/**
 * Runs a program's main function and turns its outcome into an exit status: a number returned
 * is the status; a WrapperError becomes "program: message" on stderr and its code; anything
 * else is a bug, reported as one line with INTERNAL.
 */
export async function runProgram(name: string, main: (argv: string[]) => Promise<number>): Promise<void> {
  let status: number;
  try {
    status = await main(process.argv.slice(2));
    await flushLogs();
  } catch (err) {
    await flushLogs();
    if (isWrapperError(err)) {
      for (const line of err.message.split('\n')) process.stderr.write(`${name}: ${line}\n`);
      status = err.code;
    } else {
      const detail =
        err instanceof Error ? (process.env.LSF_DOCKER_TRACE ? err.stack : err.message) : String(err);
      process.stderr.write(`${name}: internal error: ${detail}\n`);
      status = ExitCode.INTERNAL;
    }
  }
  process.exitCode = status;
}

import { WrapperError, WrapperErrors } from '../kernel/errors.js';
import { ExitCode } from '../kernel/exit-codes.js';
import type { Logger } from '../kernel/log/logger.js';
import { type Asker, checkContext, checkReadableFile, checkWritableFile } from './access.js';
import type { PathCheck } from './build-policy.js';

const MAX_LISTED = 10;
const MAX_LINKS_LOGGED = 5;

/**
 * Makes every file check of the plan as the user, before docker sees anything: the daemon (and a
 * CLI run for the user) may read what the user cannot, so the build must not get to. Throws
 * BUILD_REFUSED listing what the user could not read or write.
 */
export function checkPaths(checks: readonly PathCheck[], asker: Asker, log: Logger): void {
  const errors: WrapperError[] = [];
  const refuse = (subject: string, message: string) =>
    errors.push(new WrapperError(ExitCode.BUILD_REFUSED, message, subject));
  for (const check of checks) {
    if (check.kind === 'context') {
      const started = Date.now();
      const report = checkContext(check.path, asker, MAX_LISTED + 1);
      log.debug(
        `context ${report.root}: ${report.files} files, ${report.dirs} directories checked in ${Date.now() - started} ms`,
      );
      for (const p of report.problems.slice(0, MAX_LISTED)) {
        refuse('CONTEXT', `${p.path} ${p.reason}: the build may only read what you can read`);
      }
      if (report.problems.length > MAX_LISTED) refuse('CONTEXT', 'and more unreadable entries (not listed)');
      for (const link of report.outsideLinks.slice(0, MAX_LINKS_LOGGED)) {
        log.warning(
          `context: ${link.path} is a symlink to ${link.target}, outside the context: docker sends the link, not its target`,
        );
      }
      if (report.outsideLinks.length > MAX_LINKS_LOGGED) {
        log.warning(
          `context: ${report.outsideLinks.length - MAX_LINKS_LOGGED} more symlinks point outside it`,
        );
      }
      continue;
    }
    const problem =
      check.kind === 'read-file'
        ? checkReadableFile(check.path, asker)
        : checkWritableFile(check.path, asker);
    if (problem) refuse(check.subject, `${problem.path} ${problem.reason}`);
    else
      log.debug(
        `${check.subject} ${check.path}: ${check.kind === 'read-file' ? 'readable' : 'writable'} by you`,
      );
  }
  if (errors.length > 0) throw errors.length === 1 ? errors[0]! : new WrapperErrors(errors);
}

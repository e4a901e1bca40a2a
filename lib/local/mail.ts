import { existsSync } from 'node:fs';
import { childProcess } from '../kernel/builtin.js';

/** The mail transport bsub -B/-N use, when the host has one. */
export const SENDMAIL = '/usr/sbin/sendmail';

export const canMail = () => existsSync(SENDMAIL);

/** Mails SUBJECT and BODY to TO through sendmail (argv only, the message on stdin); failures are logged. */
export function sendMail(to: string, subject: string, body: string): void {
  const safe = (s: string) => s.replace(/[\r\n]+/g, ' ');
  const message = `To: ${safe(to)}\nSubject: ${safe(subject)}\n\n${body}`;
  const r = childProcess().spawnSync(SENDMAIL, ['-t', '-oi'], {
    input: message,
    stdio: ['pipe', 'ignore', 'pipe'],
    timeout: 30_000,
  });
  if (r.status !== 0)
    process.stderr.write(`lsf-docker: mail to ${safe(to)} failed: ${String(r.stderr).trim()}\n`);
}

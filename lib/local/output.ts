import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expandOutputPath } from '../scheduler/lsf/bsub-options.js';
import type { JobRecord, jobPaths } from './record.js';
import { renderOutputFile } from './report.js';

/**
 * The -o and -e files of an element, %J and %I expanded, relative to -outdir (made here) or else
 * its working directory CWD. An -e naming the -o file is no -e: stderr goes with stdout (LSF).
 */
export function outputFiles(record: JobRecord, cwd: string): { outFile?: string; errFile?: string } {
  const expand = (p: string) => expandOutputPath(p, record.id, record.index);
  const base = record.outdir ? resolve(cwd, expand(record.outdir)) : cwd;
  if (record.outdir) mkdirSync(base, { recursive: true, mode: 0o755 });
  const file = (spec: JobRecord['out']) => (spec ? resolve(base, expand(spec.path)) : undefined);
  const outFile = file(record.out);
  const errFile = file(record.err);
  return { outFile, errFile: errFile === outFile ? undefined : errFile };
}

/** Writes the -o file (header, summary, output) and the -e file, as the user. Without -o the spool stays for bpeek. */
export function deliverOutput(
  record: JobRecord,
  paths: ReturnType<typeof jobPaths>,
  outFile?: string,
  errFile?: string,
): void {
  try {
    if (outFile) {
      const output = readSpool(paths.out); // none when the job could not start
      const target = isDirectory(outFile) ? join(outFile, `${record.id}.out`) : outFile;
      writeFileSync(target, renderOutputFile(record, output, errFile), {
        flag: record.out?.overwrite ? 'w' : 'a',
        mode: 0o644,
      });
    }
    if (errFile) {
      const target = isDirectory(errFile) ? join(errFile, `${record.id}.err`) : errFile;
      writeFileSync(target, readSpool(paths.errSpool), {
        flag: record.err?.overwrite ? 'w' : 'a',
        mode: 0o644,
      });
      rmSync(paths.errSpool, { force: true });
    }
  } catch (err) {
    process.stderr.write(
      `lsf-docker: job ${record.id}: cannot write its output file: ${(err as Error).message}\n`,
    );
  }
}

const readSpool = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
};

const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

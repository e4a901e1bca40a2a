import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expandOutputPath } from '../scheduler/lsf/bsub-options.js';
import type { JobRecord, jobPaths } from './record.js';
import { renderOutputFile } from './report.js';

/** The -o and -e files of an element, %J and %I expanded, relative to its working directory CWD. */
export function outputFiles(record: JobRecord, cwd: string): { outFile?: string; errFile?: string } {
  const file = (spec: JobRecord['out']) =>
    spec ? resolve(cwd, expandOutputPath(spec.path, record.id, record.index)) : undefined;
  return { outFile: file(record.out), errFile: file(record.err) };
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

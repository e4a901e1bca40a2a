import { usageError } from '../kernel/errors.js';

/**
 * bsub -w: LSF's dependency expressions over the user's own jobs. Conditions done(J), ended(J),
 * exit(J[, [op] code]), started(J), a bare job id or "name" (= done), combined with !, &&, || and
 * parentheses (! binds tightest, then &&, then ||). J is an id, ID[INDEX], or a job name ("name"
 * or a bare word; a trailing * matches any end). Pure: parse once, evaluate against job states.
 */
export type DepNode =
  | { op: 'not'; arg: DepNode }
  | { op: 'and' | 'or'; args: [DepNode, DepNode] }
  | {
      op: 'cond';
      fn: 'done' | 'ended' | 'exit' | 'started';
      job: JobRef;
      code?: { cmp: string; value: number };
    };

export type JobRef = { id: number; index?: number } | { name: string };

/** What a referenced job is now: one entry per element. */
export interface DepJob {
  id: number;
  index: number;
  name: string;
  status: string;
  exitCode?: number;
}

/** Now true, now false (may change), or never true (the job cannot get there any more). */
export type DepValue = 'yes' | 'no' | 'never';

const UNSUPPORTED =
  /^(post_done|post_err|numdone|numended|numexit|numhold|numpend|numrun|numstart|external)$/;

function tokenize(text: string): string[] {
  const tokens = text.match(/&&|\|\||!=|==|>=|<=|[!()<>,]|"[^"]*"|'[^']*'|[^\s!()<>,&|="']+/g) ?? [];
  const joined = tokens.join('').replace(/\s/g, '');
  if (joined !== text.replace(/\s/g, ''))
    throw usageError(`bsub -w "${text}": cannot read it as a dependency`);
  return tokens;
}

function jobRef(word: string, text: string): JobRef {
  const unquoted = word.replace(/^["']|["']$/g, '');
  const m = /^(\d{1,10})(?:\[(\d{1,10})\])?$/.exec(unquoted);
  if (m && word === unquoted) return m[2] ? { id: Number(m[1]), index: Number(m[2]) } : { id: Number(m[1]) };
  if (!/^[^\s()]+$/.test(unquoted)) throw usageError(`bsub -w "${text}": "${word}" is not a job id or name`);
  return { name: unquoted };
}

export function parseDependency(text: string): DepNode {
  const t = tokenize(text);
  let i = 0;
  const fail = (why: string): never => {
    throw usageError(`bsub -w "${text}": ${why}`);
  };
  const peek = () => t[i];
  const next = () => t[i++] ?? fail('ends too early');
  const expect = (tok: string) => (next() === tok ? undefined : fail(`expected "${tok}"`));
  const primary = (): DepNode => {
    const tok = next();
    if (tok === '!') return { op: 'not', arg: primary() };
    if (tok === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (peek() !== '(') return { op: 'cond', fn: 'done', job: jobRef(tok, text) };
    if (UNSUPPORTED.test(tok))
      fail(`${tok}() is not supported by the local LSF (done, ended, exit, started)`);
    if (!/^(done|ended|exit|started)$/.test(tok)) fail(`${tok}() is not a dependency condition`);
    expect('(');
    const job = jobRef(next(), text);
    let code: { cmp: string; value: number } | undefined;
    if (peek() === ',') {
      next();
      const cmp = /^(==|!=|>=|<=|>|<)$/.test(peek() ?? '') ? next() : '==';
      const value = next();
      if (tok !== 'exit' || !/^\d{1,3}$/.test(value)) fail('only exit() takes an exit code');
      code = { cmp, value: Number(value) };
    }
    expect(')');
    return { op: 'cond', fn: tok as 'done', job, code };
  };
  const andExpr = (): DepNode => {
    let left = primary();
    while (peek() === '&&') {
      next();
      left = { op: 'and', args: [left, primary()] };
    }
    return left;
  };
  const orExpr = (): DepNode => {
    let left = andExpr();
    while (peek() === '||') {
      next();
      left = { op: 'or', args: [left, andExpr()] };
    }
    return left;
  };
  const tree = orExpr();
  if (i < t.length) fail(`unexpected "${t[i]}"`);
  return tree;
}

/** The references of a dependency, to check at bsub that each names a job. */
export function dependencyRefs(node: DepNode): JobRef[] {
  if (node.op === 'cond') return [node.job];
  if (node.op === 'not') return dependencyRefs(node.arg);
  return [...dependencyRefs(node.args[0]), ...dependencyRefs(node.args[1])];
}

export function refMatches(ref: JobRef, job: DepJob): boolean {
  if ('id' in ref) return job.id === ref.id && (ref.index === undefined || ref.index === job.index);
  const base = job.name.replace(/\[\d+\]$/, '');
  if (ref.name.endsWith('*')) return base.startsWith(ref.name.slice(0, -1));
  return base === ref.name || job.name === ref.name;
}

const FINISHED = new Set(['DONE', 'EXIT']);
const STARTED = new Set(['RUN', 'USUSP', 'SSUSP', 'DONE', 'EXIT']);

function compare(cmp: string, a: number, b: number): boolean {
  return { '==': a === b, '!=': a !== b, '>': a > b, '<': a < b, '>=': a >= b, '<=': a <= b }[cmp] ?? false;
}

function one(fn: string, code: { cmp: string; value: number } | undefined, j: DepJob): DepValue {
  const ended = FINISHED.has(j.status);
  if (fn === 'started') return STARTED.has(j.status) ? 'yes' : 'no';
  if (fn === 'ended') return ended ? 'yes' : 'no';
  if (fn === 'done') return j.status === 'DONE' ? 'yes' : ended ? 'never' : 'no';
  if (j.status === 'DONE') return 'never';
  if (j.status !== 'EXIT') return 'no';
  return !code || compare(code.cmp, j.exitCode ?? 0, code.value) ? 'yes' : 'never';
}

/** The dependency's value now, over JOBS (every element the user has). Pure. */
export function evaluateDependency(node: DepNode, jobs: DepJob[]): DepValue {
  if (node.op === 'not') {
    const v = evaluateDependency(node.arg, jobs);
    return v === 'yes' ? 'no' : 'yes';
  }
  if (node.op !== 'cond') {
    const [a, b] = node.args.map((n) => evaluateDependency(n, jobs));
    const all = [a, b];
    if (node.op === 'and')
      return all.includes('never') ? 'never' : all.every((v) => v === 'yes') ? 'yes' : 'no';
    return all.includes('yes') ? 'yes' : all.every((v) => v === 'never') ? 'never' : 'no';
  }
  const cond = node;
  const matched = jobs.filter((j) => refMatches(cond.job, j));
  if (matched.length === 0) return 'never';
  const values = matched.map((j) => one(cond.fn, cond.code, j));
  return values.includes('never') ? 'never' : values.every((v) => v === 'yes') ? 'yes' : 'no';
}

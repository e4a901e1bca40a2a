import { Findings, ruling } from '../../../../lib/policy/rules/rule.js';

describe('ruling and Findings: a part with its decisions, or every problem', () => {
  test('no problem: the part and the decisions', () => {
    expect(ruling(1, ['d'], [])).toEqual({ ok: true, part: 1, decisions: ['d'] });
  });
  test('any problem: only the problems', () => {
    expect(ruling(1, ['d'], [{ variable: 'V', message: 'm' }])).toEqual({
      ok: false,
      problems: [{ variable: 'V', message: 'm' }],
    });
  });
  test("take gets another rule's part and decisions, or its problems and no part", () => {
    const found = new Findings();
    expect(found.take({ ok: true, part: 'a', decisions: ['one'] })).toBe('a');
    expect(found.take({ ok: false, problems: [{ variable: 'V', message: 'bad' }] })).toBeUndefined();
    found.decide('two');
    found.refuse('W', 'worse');
    expect(found.ruling('p')).toEqual({
      ok: false,
      problems: [
        { variable: 'V', message: 'bad' },
        { variable: 'W', message: 'worse' },
      ],
    });
    expect(found.decisions).toEqual(['one', 'two']);
  });
});

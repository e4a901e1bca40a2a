import { parseBool, splitWords } from '../../../../lib/kernel/grammar/words.js';

describe('splitWords', () => {
  test.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['   ', []],
    ['a', ['a']],
    ['  a   b\tc\nd  ', ['a', 'b', 'c', 'd']],
    ['/a:/b /c:/d:ro', ['/a:/b', '/c:/d:ro']],
  ])('%j -> %j', (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });
});

describe('parseBool', () => {
  test.each<[string, boolean | undefined]>([
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['Y', true],
    ['1', true],
    ['on', true],
    [' 1 ', true],
    ['false', false],
    ['no', false],
    ['n', false],
    ['0', false],
    ['off', false],
    ['', undefined],
    ['2', undefined],
    ['truthy', undefined],
    ['enabled', undefined],
  ])('%j -> %s', (text, value) => {
    expect(parseBool(text)).toBe(value);
  });
});

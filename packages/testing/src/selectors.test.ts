import { describe, expect, it } from 'vitest';
import {
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectedName,
} from './selectors.js';

const labels = { app: 'web', tier: 'front', n: '5' };
const matches = (selector: string, on: Record<string, string> | undefined = labels) =>
  matchesLabels(parseLabelSelector(selector), on);

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app = web , tier=front', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['n>4', true],
    ['n<5', false],
    ['app=', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(matches(selector)).toBe(expected);
  });

  it('matches an object without labels only by absence', () => {
    expect(matchesLabels(parseLabelSelector('!app'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('app'), undefined)).toBe(false);
  });

  it.each(['app in web', 'app in (web', '=x', 'app=web,', 'a/b/c=x', 'app=not valid', 'n>x'])(
    'rejects %j with a 400',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(expect.objectContaining({ code: 400 }));
    },
  );
});

describe('field selectors', () => {
  it('supports metadata.name and metadata.namespace with =, == and !=', () => {
    expect(parseFieldSelector('metadata.name=a,metadata.namespace!=b')).toEqual([
      { field: 'metadata.name', operator: '=', value: 'a' },
      { field: 'metadata.namespace', operator: '!=', value: 'b' },
    ]);
    expect(selectedName(parseFieldSelector('metadata.name==x'))).toBe('x');
    expect(selectedName(parseFieldSelector('metadata.name!=x'))).toBeUndefined();
  });

  it('rejects other fields and terms without an operator', () => {
    expect(() => parseFieldSelector('spec.holderIdentity=a')).toThrow(
      '"spec.holderIdentity" is not a known field selector',
    );
    expect(() => parseFieldSelector('metadata.name')).toThrow(
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    );
  });
});

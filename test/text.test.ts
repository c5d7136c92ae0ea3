import { detectLanguage } from '../src/language/detect.js';
import { stemEn, tokenize } from '../src/retrieval/text.js';

describe('text processing', () => {
  it('detects Chinese, English and mixed text', () => {
    expect(detectLanguage('臂架动不了')).toBe('zh');
    expect(detectLanguage('boom will not move')).toBe('en');
    expect(detectLanguage('S管不摆了')).toBe('zh');
    expect(detectLanguage('🙂🙂 ？？')).toBe('unknown');
  });

  it('stems English inflections to one form', () => {
    expect(stemEn('moves')).toBe(stemEn('moving'));
    expect(stemEn('moved')).toBe(stemEn('move'));
    expect(stemEn('leaking')).toBe(stemEn('leaks'));
  });

  it('segments Chinese into words and bigrams and drops stop words', () => {
    const tokens = tokenize('我的臂架动不了');
    expect(tokens).toContain('臂架');
    expect(tokens).not.toContain('我');
    expect(tokenize('the boom is not moving')).toEqual(['boom', stemEn('moving')]);
  });
});

describe('text processing of hostile words', () => {
  it('treats words that name Object.prototype members as plain words', () => {
    expect(tokenize('constructor __proto__ toString hasOwnProperty')).toEqual(['constructor', 'proto', 'tostr', 'hasownproperty']);
  });
});

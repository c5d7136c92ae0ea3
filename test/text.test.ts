import { detectLanguage } from '../src/language/detect.js';
import { soundTokens } from '../src/retrieval/sound.js';
import { isStopWord, stemEn, tokenize } from '../src/retrieval/text.js';

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

  // Fillers of speech (那个, 就是, 一下) form no bigram, written or by sound, with themselves
  // or their neighbours: "就是" must not match a phrasing that happens to say 就是.
  it.each([
    ['那个吊钩就是往上起不来', ['吊钩', '往上', '起不', '不来'], ['那个', '个吊', '就是', '钩就', '是往']],
    ['嗯那个末端软管不出料', ['末端', '软管', '不出'], ['嗯', '那个', '个末']],
    ['然后那个支腿就是收不回来', ['支腿', '收不', '回来'], ['然后', '后那', '就是', '腿就', '是收']],
  ])('forms no bigram across a filler in %s', (text, kept, dropped) => {
    const tokens = tokenize(text);
    for (const t of kept) expect(tokens).toContain(t);
    for (const t of dropped) expect(tokens).not.toContain(t);
  });

  it('forms no pinyin bigram across a filler', () => {
    const codes = soundTokens('那个吊钩就是起不来', isStopWord);
    expect(codes).toContain('py:diao_gou');
    expect(codes).not.toContain('py:jiu_shi');
    expect(codes).not.toContain('py:na_ge');
    expect(codes).not.toContain('py:ge_diao');
  });
});

describe('text processing of hostile words', () => {
  it('treats words that name Object.prototype members as plain words', () => {
    expect(tokenize('constructor __proto__ toString hasOwnProperty')).toEqual(['constructor', 'proto', 'tostr', 'hasownproperty']);
  });
});

import { loadKnowledge } from '../src/knowledge/load.js';
import { buildCorpus } from '../src/retrieval/corpus.js';
import { loadLanguageData } from '../src/retrieval/language-data.js';
import { ProductLineDetector } from '../src/retrieval/product-lines.js';
import { MessageAnalyser } from '../src/retrieval/understanding.js';
import { ManualVocabulary } from '../src/retrieval/vocabulary.js';
import { KNOWLEDGE_DIR } from './support/paths.js';

describe('ProductLineDetector', () => {
  const kb = loadKnowledge(KNOWLEDGE_DIR);
  const language = loadLanguageData(KNOWLEDGE_DIR);
  const detector = new ProductLineDetector(
    kb.policy,
    language.otherEquipment,
    new MessageAnalyser(language.cues),
    new ManualVocabulary(buildCorpus(kb)),
    language.otherEquipmentByContext,
  );

  it('finds the one machine named and blanks it from the fault text', () => {
    const r = detector.detect('the boom on my pump truck is slow');
    expect(r.line).toBe('PT');
    expect(r.remainder).not.toMatch(/pump truck/);
    expect(detector.detect('塔吊小车走不动').line).toBe('TC');
    expect(detector.detect('trailer pump and paver both broken').line).toBeUndefined();
  });

  it('reads misspelt and homophone names of our machines', () => {
    expect(detector.detect('the rolller will not start').line).toBe('RR');
    expect(detector.detect('压路鸡打不着火').line).toBe('RR');
    expect(detector.detect('谈铺机螺旋不转').line).toBe('PV');
  });

  it('recognises machines we do not service, also misspelt, without reading them as ours', () => {
    expect(detector.detect('mobile crane hook slips')).toMatchObject({ line: undefined, otherMachine: true });
    expect(detector.detect('forklfit mast drops by itself').otherMachine).toBe(true);
    expect(detector.detect('挖掘机动臂下沉').otherMachine).toBe(true);
    expect(detector.detect('the plate compactor does not vibrate').otherMachine).toBe(true);
    expect(detector.detect('site generator won’t start').otherMachine).toBe(true);
    expect(detector.detect('drill rod stuck in the rod loader').otherMachine).toBe(false);
    expect(detector.detect('plate compacter not vibrating').otherMachine).toBe(true);
    expect(detector.detect('the compacter is not vibrating').otherMachine).toBe(false);
  });

  it('reads what the text is about: surroundings and parts of our machines are not another machine', () => {
    expect(detector.detect('mixer trucks are queuing and the boom will not lift').otherMachine).toBe(false);
    expect(detector.detect('塔吊回转没问题，就是小车不走').otherMachine).toBe(false);
    expect(detector.detect('left the pickup by the gate, the outriggers on the pump will not come down').otherMachine).toBe(false);
    expect(detector.detect('my excavator’s tracks won’t turn').otherMachine).toBe(true);
  });

  it('reads another machine in a side remark, and ours in a ruled-out clause, as not the machine in question', () => {
    // The leading complaint is ours; the cab air conditioner is an aside.
    expect(detector.detect('两个手柄都推不动 屏幕是亮的 空调也不行').otherMachine).toBe(false);
    expect(detector.detect('the loader next door is fine, our hopper gate is jammed').otherMachine).toBe(false);
    // …but an aside is only an aside when the leading complaint names no other machine.
    expect(detector.detect('the forklift mast drops by itself, and the forklift horn is dead too').otherMachine).toBe(true);
    expect(detector.detect("the mat behind the screed is wavy, the roller guys swear it's not them").line).toBeUndefined();
    expect(detector.detect('not the roller, the paver screed won’t heat').line).toBe('PV');
  });

  it('keeps the machine named in a clause that rules out one of its parts, or opens with "ok"', () => {
    // The trolley is ruled out, not the tower crane.
    expect(detector.detect("the tower crane trolley is fine but the hook won't come down").line).toBe('TC');
    expect(detector.detect('塔吊小车没问题，吊钩下不来').line).toBe('TC');
    // "ok" opens the clause; it says nothing about the roller.
    expect(detector.detect("ok what about my roller then, it won't start").line).toBe('RR');
    // The whole machine said to be fine is still ruled out.
    expect(detector.detect("the paver is fine, it's the roller that won't vibrate").line).toBe('RR');
  });

  it('reads an incidental word as surroundings only when nothing wrong is said between it and the name', () => {
    // The excavator's own fault, although "parked" is a word of surroundings.
    expect(detector.detect('the excavator boom creeps down when parked').otherMachine).toBe(true);
    // Negated: the plant's fault, not the plant discharging beside us.
    expect(detector.detect('batching plant mixer not discharging').otherMachine).toBe(true);
    expect(detector.detect('搅拌站的主机不卸料').otherMachine).toBe(true);
    expect(detector.detect('the loader was feeding the hopper and the conveyor stopped').otherMachine).toBe(false);
    // Said to be fine: not what the message is about.
    expect(detector.detect('the compressor is fine, the screed won’t heat up').otherMachine).toBe(false);
  });

  it('decides names the manual shares with other machines by the words around them', () => {
    expect(detector.detect('the loader bucket won’t curl back').otherMachine).toBe(true);
    expect(detector.detect('loader won’t pick up the next rod from the box').otherMachine).toBe(false);
    expect(detector.detect('发电机打不着火，柴油是满的').otherMachine).toBe(true);
    expect(detector.detect('熨平板加热发电机不发电').otherMachine).toBe(false);
  });
});

describe('ManualVocabulary line shares', () => {
  // A toy manual: 吊钩 in six tower-crane phrasings, 柄推 (a bigram across two words) in one pump-truck phrasing.
  const phrasing = (index: number, productLine: 'TC' | 'PT', text: string) =>
    ({ index, faultId: `${productLine}-X`, productLine, lang: 'zh', kind: 'symptom', text }) as const;
  const corpus = [...Array.from({ length: 6 }, (_, i) => phrasing(i, 'TC', `吊钩${'升降停走转晃'[i]}`)), phrasing(6, 'PT', '手柄推了')];
  const vocabulary = new ManualVocabulary(corpus);

  it.each([
    ['equally informative', 1, 1],
    ['the rare token more informative', 1, 1.5],
  ])('a token the manual uses often outvotes one it uses once (%s)', (_, common, rare) => {
    const shares = vocabulary.lineShares([
      { token: '吊钩', weight: common },
      { token: '柄推', weight: rare },
    ]);
    expect(shares.get('TC')!).toBeGreaterThan(shares.get('PT')!);
  });
});

import { t } from '../dialogs/messages.js';
import { operatorSteps } from '../src/knowledge/operator-steps.js';
import { kb } from './support/bot.js';
import { screenshot } from './support/browser.js';
import { serverAndBrowser } from './support/browser-suite.js';
import { api, KEYS } from './support/server.js';
import { botTexts, say, waitForBot } from './support/webchat.js';

/**
 * Whole conversations typed into the real /chat page (Web Chat in Chromium, over the
 * server's Direct Line stream), one in each language, as operators type them: typos,
 * "no it's not fixed", a phone number inside a sentence, a hedged "machine down?"
 * answer, and not one button clicked. What the operator sees is checked: the match, the
 * manual's operator steps one by one in the manual's order, the ticket number, its
 * status afterwards, and every message in the operator's language.
 */

const TIMEOUT = 180_000;

interface TicketView {
  number: string;
  equipment: { productLine: string };
  faults: { id: string }[];
  contact: { name: string; phone: string };
  customer: { site: { address: string } };
  stepsTried: { faultId?: string; step: string; result: string }[];
  machineDown: boolean;
}

interface Script {
  lang: 'en' | 'zh';
  locale: string;
  description: string;
  model: RegExp;
  skip: string;
  matched: RegExp;
  step: (n: number) => RegExp;
  /** "Step 2 of 4: " before a step's text. */
  prefix: RegExp;
  /** Step answers, used in turn: none of them fixes it. */
  answers: string[];
  address: [string, RegExp];
  name: [string, RegExp];
  phone: [string, RegExp];
  down: [string, RegExp];
  confirm: [string, RegExp];
  status: [string, RegExp];
  /** A sentence of the other language in a bot message. */
  otherLanguage: RegExp;
}

const EN: Script = {
  lang: 'en',
  locale: 'en-US',
  description: "my rollr won't vibrate anymore",
  model: /model or serial number/,
  skip: 'dnt know',
  matched: /This sounds like: No vibration or weak vibration of the drum/,
  step: (n) => new RegExp(`^Step ${n} of (\\d+): `),
  prefix: /^Step \d+ of \d+: /,
  answers: ['not fxed', "no it's not fixed", 'checked, still nothing', 'didnt help'],
  address: ['Riverside bypass job, gate 3, Hangzhou', /^Your name\?/],
  name: ['Tom Li', /Your phone number/],
  phone: ['my number is 139 1234 5678', /Is the machine down/],
  down: ["yes it's down", /^Please check: .*Tom Li \+8613912345678; machine down: Yes/],
  confirm: ['yep, send it', /^Your ticket number is (FT-\d{4}-\d{6})\./],
  status: ['when will the technician come?', /^Your ticket (FT-\d{4}-\d{6}) is /],
  otherLanguage: /[\u3400-\u9fff]/u,
};

const ZH: Script = {
  lang: 'zh',
  locale: 'zh-CN',
  description: '压路机不起振了',
  model: /设备型号或出厂编号是多少/,
  skip: '不知道',
  matched: /听起来像是：不起振或振动无力/,
  step: (n) => new RegExp(`^第 ${n} 步，共 (\\d+) 步：`),
  prefix: /^第 \d+ 步，共 \d+ 步：/,
  answers: ['没好', '还是不行', '查过了，还是不振', '不行'],
  address: ['浙江省杭州市滨江区江南大道3688号工地', /请问您怎么称呼/],
  name: ['李师傅', /您的联系电话/],
  phone: ['手机：139 1234 5678', /设备现在是否完全停机/],
  down: ['应该是吧，完全干不了活', /^请确认：.*李师傅 \+8613912345678; 设备停机：是/],
  confirm: ['对，提交吧', /^您的工单号是 (FT-\d{4}-\d{6})。/],
  status: ['技术员什么时候到', /^您的工单 (FT-\d{4}-\d{6}) /],
  // An English sentence: four Latin letters in a row (ticket numbers are FT-…).
  otherLanguage: /[A-Za-z]{4,}/,
};

describe('a whole conversation typed into Web Chat at /chat (Chromium), no buttons', () => {
  const env = serverAndBrowser(TIMEOUT);

  it.each([EN, ZH])(
    'in $lang: the steps in the manual’s order, a ticket, its status, and the language held',
    async (script) => {
      const fault = kb.faultsById.get('RR-H01')!;
      const manualSteps = operatorSteps(fault).map((s) => s[script.lang]);
      const context = await env.browser.newContext({
        viewport: { width: 400, height: 800 },
        locale: script.locale,
        timezoneId: 'Asia/Shanghai',
      });
      const page = await context.newPage();
      try {
        await page.goto(`${env.server.base}/chat`);
        await waitForBot(page, /工程机械售后服务助手/);
        const greeted = (await botTexts(page)).length;

        await say(page, script.description, script.model);
        const first = await say(page, script.skip, script.step(1));
        expect(first.all.join('\n')).toMatch(script.matched);
        const total = Number(first.match[1]);
        expect(total).toBe(manualSteps.length);

        // Every step as the manual has it, in its order; no answer is a fix.
        const shown = [first.text];
        for (let n = 1; n <= total; n++) {
          const answer = script.answers[(n - 1) % script.answers.length]!;
          const next = n < total ? script.step(n + 1) : script.lang === 'en' ? /site address/ : /工地地址/;
          const reply = await say(page, answer, next);
          expect(reply.all).not.toContain(t(script.lang, 'resolved'));
          if (n < total) shown.push(reply.text);
        }
        expect(shown.map((text) => text.replace(script.prefix, ''))).toEqual(manualSteps);

        for (const [text, pattern] of [script.address, script.name, script.phone, script.down]) await say(page, text, pattern);
        const created = await say(page, script.confirm[0], script.confirm[1]);
        const number = created.match[1]!;
        await screenshot(page, `chat-typed-${script.lang}-ticket`);

        // The ticket holds what was typed: the steps tried in order, the phone found in the sentence.
        const res = await api(env.server.base, KEYS.dispatcher, 'GET', `/api/tickets/${number}`);
        expect(res.status).toBe(200);
        const ticket = (await res.json()) as TicketView;
        expect(ticket.equipment.productLine).toBe('RR');
        expect(ticket.faults[0]?.id).toBe('RR-H01');
        expect(ticket.contact.phone).toBe('+8613912345678');
        expect(ticket.customer.site.address).toBe(script.address[0]);
        expect(ticket.machineDown).toBe(true);
        expect(ticket.stepsTried.map((s) => [s.faultId, s.result])).toEqual(manualSteps.map(() => ['RR-H01', 'not-fixed']));
        expect(ticket.stepsTried.map((s) => s.step)).toEqual(operatorSteps(fault).map((s) => s.en));

        const status = await say(page, script.status[0], script.status[1]);
        expect(status.match[1]).toBe(number);

        // The language held from the first message to the last (the greeting is in both).
        const said = (await botTexts(page)).slice(greeted);
        expect(said.filter((text) => script.otherLanguage.test(text))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});

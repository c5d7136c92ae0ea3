/**
 * Everything the bot says, in both languages it serves. Keys are grouped by the step
 * of the conversation; parameters are filled by name.
 */
export type Lang = 'en' | 'zh';

const en = {
  greeting:
    "Hello, I'm the service assistant for our construction machinery. Tell me what is wrong with your machine in your own words (English or Chinese) and I will help you check it, or arrange a technician. Type \"agent\" at any time to reach a person, or \"start over\" to begin again.",
  askLine: 'Which machine is it?',
  lineOther: 'Something else',
  notOurMachine: "Sorry, I can only help with our concrete pumps, rollers, pavers, tower cranes, milling machines and directional drills. Type \"agent\" if you want to talk to a person.",
  askModel: 'What is the model or serial number? (You can skip this.)',
  skip: 'Skip',
  askDescription: 'What happens? Describe the problem as you see it, hear it or smell it.',
  longMessage: 'That is a long message; I will work with the first part of it.',
  emptyMessage: 'I did not get any words there. Please describe the problem in a sentence.',
  clarify:
    'I am not sure I understand yet. Can you tell me more: what were you doing, what does the machine do (or not do), and are there any warning lights, noises or leaks?',
  stillUnsure: 'I still cannot match this to our fault manual. Shall I get a person to help you?',
  offerPerson: 'Yes, get a person',
  tryAgain: 'Let me describe it again',
  match: 'This sounds like: {title}.',
  pickOne: 'It could be one of these. Which fits best?',
  noneOfThese: 'None of these',
  safetyFirst: 'Safety first:',
  notSelfService:
    'Please stop the machine now and make it safe: lower any raised boom or load if you can do so safely, switch off the engine, apply the parking brake and keep people away. This fault must be handled by a technician, so I will arrange one.',
  checksOnlyIntro: 'There are a few checks you can safely do to help the technician. The repair itself is a technician job.',
  stepsIntro: 'Let us go through some safe checks, one at a time.',
  step: 'Step {n} of {total}: {text}',
  fixed: 'Fixed',
  notFixed: 'Not fixed, next',
  checkedNext: 'Checked, next',
  summaryDown: 'machine down: {answer}',
  cannotDo: "I can't do this",
  person: 'Talk to a person',
  resolved: 'Glad that fixed it. I have recorded what worked. If it comes back, just message me again.',
  stepsExhausted: 'Those checks did not fix it, so a technician needs to look at the machine.',
  escalateIntro: 'I will open a service ticket for a technician. I need a few details.',
  askAddress: 'Where is the machine? Please give the site address.',
  badAddress: 'Please give an address a technician can find (street, site or town).',
  askName: 'Your name?',
  badName: 'Please type your name.',
  askPhone: 'Your phone number, so the technician can call you?',
  badPhone: 'That does not look like a valid phone number. Please type it again (for example 138 0013 8000, or with the country code +86 …).',
  askDown: 'Is the machine down (it cannot work at all)?',
  yes: 'Yes',
  no: 'No',
  confirmSummary: 'Please check: {summary}. Shall I send this to dispatch?',
  confirmSend: 'Send it',
  cancelTicket: 'Cancel',
  ticketCreated: 'Your ticket number is {number}. {promise}',
  slaPromise:
    'A service coordinator will contact you with a plan within {respond} hours, a technician will be on site within {onSite} hours, and we aim to have the fault fixed within {fixed} hours.',
  ticketNotSent: 'OK, I did not send a ticket. Type "agent" if you want to talk to a person, or describe the problem again.',
  ticketFailed: 'Sorry, I could not save the ticket just now. Please try again in a minute, or type "agent" to reach a person.',
  handoff:
    'I am handing you over to a service agent. They will answer here or call you shortly. Your conversation so far is passed on, so you will not need to repeat yourself.',
  cancelled: 'OK, let us start over. Describe the problem whenever you are ready.',
  didNotUnderstandChoice: 'Please choose one of the options.',
};

const zh: Record<keyof typeof en, string> = {
  greeting:
    '您好，我是工程机械售后服务助手。请用您自己的话（中文或英文）描述设备出了什么问题，我会帮您排查，或者安排技术员上门。随时输入“人工”转人工客服，输入“重新开始”从头开始。',
  askLine: '请问是哪种设备？',
  lineOther: '其他设备',
  notOurMachine: '抱歉，我只能处理我们的泵车、拖泵、压路机、摊铺机、塔机、铣刨机和水平定向钻。需要人工帮助请输入“人工”。',
  askModel: '设备型号或出厂编号是多少？（可以跳过）',
  skip: '跳过',
  askDescription: '出了什么情况？请描述您看到、听到或闻到的现象。',
  longMessage: '您的消息很长，我先按前面的部分来处理。',
  emptyMessage: '没有收到文字内容，请用一句话描述一下故障。',
  clarify: '我还不太确定是什么问题。能再说详细一点吗：当时在做什么操作，设备有什么反应（或没有反应），有没有报警灯、异响或漏油？',
  stillUnsure: '我还是无法在故障手册里找到对应的问题。需要为您转人工吗？',
  offerPerson: '好，转人工',
  tryAgain: '我再描述一下',
  match: '听起来像是：{title}。',
  pickOne: '可能是下面几种之一，哪个最符合？',
  noneOfThese: '都不是',
  safetyFirst: '安全第一：',
  notSelfService: '请立即停机并确保安全：在安全的前提下放下臂架或吊物，关闭发动机，拉上驻车制动，让人员远离设备。这个故障必须由技术员处理，我马上为您安排。',
  checksOnlyIntro: '您可以先做几项安全的检查，方便技术员判断。维修本身需要技术员来做。',
  stepsIntro: '我们一步一步做几项安全的检查。',
  step: '第 {n} 步，共 {total} 步：{text}',
  fixed: '好了',
  notFixed: '没好，下一步',
  checkedNext: '查过了，下一步',
  summaryDown: '设备停机：{answer}',
  cannotDo: '我做不了',
  person: '转人工',
  resolved: '问题解决了就好！我已经记录了有效的处理方法。如果再出现，请随时联系我。',
  stepsExhausted: '这些检查没能解决问题，需要技术员到现场处理。',
  escalateIntro: '我来为您创建服务工单，需要几项信息。',
  askAddress: '设备在哪里？请提供工地地址。',
  badAddress: '请提供技术员能找到的地址（街道、工地名称或城镇）。',
  askName: '请问您怎么称呼？',
  badName: '请输入您的姓名。',
  askPhone: '您的联系电话？技术员会打给您。',
  badPhone: '这个电话号码好像不对，请重新输入（例如 138 0013 8000，或带国家代码 +86 ……）。',
  askDown: '设备现在是否完全停机、无法工作？',
  yes: '是',
  no: '否',
  confirmSummary: '请确认：{summary}。现在提交给调度吗？',
  confirmSend: '提交',
  cancelTicket: '取消',
  ticketCreated: '您的工单号是 {number}。{promise}',
  slaPromise: '服务协调员会在 {respond} 小时内联系您并给出处理方案，技术员会在 {onSite} 小时内到达现场，我们力争在 {fixed} 小时内排除故障。',
  ticketNotSent: '好的，工单没有提交。需要人工请输入“人工”，或者重新描述问题。',
  ticketFailed: '抱歉，工单暂时没能保存。请稍后再试，或输入“人工”转人工客服。',
  handoff: '正在为您转接人工客服，客服会在这里回复您或很快给您打电话。之前的对话内容会一并转过去，您不用重复描述。',
  cancelled: '好的，我们重新开始。准备好了请描述问题。',
  didNotUnderstandChoice: '请从选项中选择一个。',
};

export type MessageKey = keyof typeof en;
const CATALOGUE: Record<Lang, Record<MessageKey, string>> = { en, zh };

export function t(lang: Lang, key: MessageKey, params: Record<string, string | number> = {}): string {
  return CATALOGUE[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

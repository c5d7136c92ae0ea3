import type { Lang } from '../../dialogs/messages.js';

/**
 * What the turn level says (emergencies, commands, the lifecycle after a flow, requests
 * that are not faults), in both languages. English defines the keys; Chinese must have
 * the same keys (a missing one does not compile). The flow's own prompts are in
 * dialogs/messages.ts.
 */
const EN = {
  emergencyFirst: 'This is an emergency. Get everyone away from the machine to a safe place first, and {call} now.',
  callPart_fire: 'call {number} (fire brigade)',
  callPart_ambulance: 'call {number} (ambulance) if anyone is hurt',
  callPart_power: 'call {number} (power company) to have the power cut',
  callPart_police: 'call {number} (police)',
  callPart_traffic: 'call {number} (traffic police)',
  callJoin: ', ',
  callLast: ' and ',
  emergencyStopWork: 'Then, only if you can do it without putting anyone at risk:',
  emergencyEntry: 'For this situation:',
  emergencyRaised:
    'I have alerted our service desk as the highest priority; a person is taking over this chat. If you can, type a phone number we can call you back on — otherwise keep writing here.',
  waitingForPerson:
    'A person from our service desk will answer here as soon as they are free; your message has been passed on. Type "start over" if you want to go back to the assistant.',
  waitingAgain: 'You are in the queue for the service desk; your message has been passed on and a person will answer here.',
  restarted: 'OK, let us start over. Describe the problem whenever you are ready.',
  closing: 'You are welcome. If anything else comes up with your machine, just write here again.',
  stillHere: 'Yes, I am here. If there is another problem with a machine, describe it; type "agent" to talk to a person.',
  greetingReply: 'Hello! Tell me what is wrong with your machine, in your own words, and I will help you check it or arrange a technician.',
  ticketStatus: 'Your ticket {number} is {status}{technician}. {deadline}',
  ticketTechnician: '; technician: {name}',
  ticketNextDeadline: 'Next: {clock} by {time}.',
  ticketAllMet: 'All its deadlines have been met.',
  noTicketHere:
    'I cannot find a ticket from this chat. If you have a ticket number (FT-…), type it here and the service desk will look it up, or type "agent" to talk to a person.',
  ticketLookupFailed: 'Sorry, I cannot read the ticket right now. Please try again in a minute, or type "agent" to talk to a person.',
  clock_respond: 'a plan from the service coordinator',
  clock_on_site: 'the technician on site',
  clock_fixed: 'the fault fixed',
  clock_follow_up: 'the follow-up call',
  status_new: 'open and waiting for a technician to be assigned',
  status_assigned: 'assigned',
  status_en_route: 'on the way: the technician is travelling to you',
  status_on_site: 'being worked on: the technician is on site',
  status_resolved: 'resolved',
  status_closed: 'closed',
  status_cancelled: 'cancelled',
  intentAnswer:
    'That is a question for our {desk} ({title}), not a machine fault, so I cannot answer it here. Type "agent" and a person from the service desk will pass it on — or describe a machine problem and I will help.',
  desk_parts: 'parts desk',
  desk_office: 'office',
  desk_person: 'service desk',
  otherLanguage:
    'Sorry, I can only answer in English or Chinese (中文). Type "agent" to talk to a person, or describe the problem in English or Chinese.',
  emptyTurn: 'How can I help? Describe the problem with your machine, or type "agent" to talk to a person.',
};

type Key = keyof typeof EN;

const ZH: Record<Key, string> = {
  emergencyFirst: '这是紧急情况。请先让所有人远离设备、到安全的地方，并立即{call}。',
  callPart_fire: '拨打 {number}（火警）',
  callPart_ambulance: '有人受伤拨打 {number}（急救）',
  callPart_power: '拨打 {number}（供电公司）要求停电',
  callPart_police: '拨打 {number}（报警）',
  callPart_traffic: '拨打 {number}（交警）',
  callJoin: '，',
  callLast: '，',
  emergencyStopWork: '然后，在不危及任何人的前提下：',
  emergencyEntry: '针对这种情况：',
  emergencyRaised: '我已按最高优先级通知服务台，客服人员会接手本次对话。方便的话请输入一个可以回电的电话号码，或者继续在这里留言。',
  waitingForPerson: '服务台的客服人员有空后会在这里回复您，您的消息已转给他们。如果想回到智能助手，请输入“重新开始”。',
  waitingAgain: '您已在服务台的排队中，消息已转给客服，客服会在这里回复您。',
  restarted: '好的，我们重新开始。准备好了请描述问题。',
  closing: '不客气。设备如果再有问题，随时在这里留言。',
  stillHere: '我在的。如果设备还有其他问题，请直接描述；输入“人工”可以联系客服。',
  greetingReply: '您好！请用您自己的话描述设备出了什么问题，我会帮您排查，或安排技术员上门。',
  ticketStatus: '您的工单 {number} 目前{status}{technician}。{deadline}',
  ticketTechnician: '；技师：{name}',
  ticketNextDeadline: '下一步：{clock}，时限 {time}。',
  ticketAllMet: '各项时限均已完成。',
  noTicketHere: '在本次对话中没有找到工单。如果您有工单号（FT-…），请直接输入，服务台会帮您查；或者输入“人工”联系客服。',
  ticketLookupFailed: '抱歉，暂时无法读取工单。请稍后再试，或输入“人工”联系客服。',
  clock_respond: '服务协调员给出方案',
  clock_on_site: '技师到场',
  clock_fixed: '故障修复',
  clock_follow_up: '回访',
  status_new: '已受理，正在安排技师',
  status_assigned: '已派工',
  status_en_route: '技师正在赶往现场',
  status_on_site: '技师已到现场处理',
  status_resolved: '已修复',
  status_closed: '已关闭',
  status_cancelled: '已取消',
  intentAnswer:
    '这个问题需要我们的{desk}处理（{title}），不属于设备故障，我在这里无法回答。输入“人工”，客服会帮您转达；如果设备有故障，也可以直接描述，我来帮您。',
  desk_parts: '配件部',
  desk_office: '办公室',
  desk_person: '服务台',
  otherLanguage: '抱歉，我只能用中文或英文（English）回答。输入“人工”联系客服，或用中文或英文描述问题。',
  emptyTurn: '有什么可以帮您？请描述设备的问题，或输入“人工”联系客服。',
};

export type TurnMessageKey = Key;

export function turnText(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  const template: string = (lang === 'zh' ? ZH : EN)[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

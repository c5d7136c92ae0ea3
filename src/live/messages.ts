import type { Lang } from './conversations.js';

/**
 * What the assistant tells an operator outside a turn: a person joins or leaves, nobody
 * is free yet, their ticket moved. English defines the keys; Chinese must have the same
 * keys (a missing one does not compile).
 */
const EN = {
  agentJoined: 'A person from our service desk has joined the chat and will answer you here.',
  agentTookOver: 'Another colleague from the service desk has taken over your chat.',
  unclaimed:
    'Sorry, everyone at the service desk is busy right now. Type a phone number we can call you back on, or keep waiting here — the first free person will answer.',
  releasedToBot:
    'The service desk has handed you back to the assistant. Describe a problem at any time, or type "agent" to talk to a person again.',
  closedByAgent: 'The service desk has closed this chat. Thank you! If you need anything else, just write here.',
  ticketOpened: 'Service ticket {number} has been opened for you. We will keep you posted here.',
  ticketAssigned: 'Ticket {number}: technician {technician} has been assigned to your job.',
  ticketEnRoute: 'Ticket {number}: {technician} is on the way to you.',
  ticketOnSite: 'Ticket {number}: {technician} has arrived on site.',
  ticketResolved: 'Ticket {number}: the technician has marked the fault as fixed. If it is not, tell us here.',
  ticketCancelled: 'Ticket {number} has been cancelled. If you still need help, tell us here.',
  ticketAtRisk:
    'Ticket {number}: we may miss the deadline for {clock} ({time}). The service coordinator has been alerted and will call you if plans change.',
  clock_respond: 'a plan from the coordinator',
  clock_on_site: 'the technician to be on site',
  clock_fixed: 'the fault to be fixed',
  clock_follow_up: 'the follow-up call',
  theTechnician: 'the technician',
  callbackNoted: 'Thank you. We will call you back on {phone} as soon as someone is free. You can keep writing here meanwhile.',
  inspectionReminder:
    'Maintenance reminder: your {model} (serial {serial}) at {site} is due for its inspection on {date}. Our service coordinator will call to agree a time; reply here if another day suits you better.',
  inspectionReminderWhy:
    'Maintenance reminder: your {model} (serial {serial}) at {site} is due for its inspection on {date}. Why then: {reason} Our service coordinator will call to agree a time; reply here if another day suits you better.',
} as const;

type Key = keyof typeof EN;

const ZH: Record<Key, string> = {
  agentJoined: '客服人员已加入对话，会在这里回复您。',
  agentTookOver: '另一位客服同事已接手您的对话。',
  unclaimed: '抱歉，客服人员暂时都在忙。请输入一个可以回电的电话号码，我们会尽快回电；您也可以继续在这里等候，第一位空闲的客服会回复您。',
  releasedToBot: '客服已将对话交回智能助手。有问题可以随时描述，或输入“人工”再次联系客服。',
  closedByAgent: '客服已结束本次对话，谢谢！如还需要帮助，请直接在这里留言。',
  ticketOpened: '已为您创建服务工单 {number}，进展会在这里通知您。',
  ticketAssigned: '工单 {number}：已为您安排技师 {technician}。',
  ticketEnRoute: '工单 {number}：{technician} 正在赶往现场。',
  ticketOnSite: '工单 {number}：{technician} 已到达现场。',
  ticketResolved: '工单 {number}：技师已将故障标记为已修复。如果没有修好，请在这里告诉我们。',
  ticketCancelled: '工单 {number} 已取消。如仍需帮助，请在这里告诉我们。',
  ticketAtRisk: '工单 {number}：“{clock}”的时限（{time}）可能无法按时完成。服务协调员已收到提醒，如有变化会给您打电话。',
  clock_respond: '协调员给出方案',
  clock_on_site: '技师到场',
  clock_fixed: '故障修复',
  clock_follow_up: '回访',
  theTechnician: '技师',
  callbackNoted: '谢谢！客服有空时会立即拨打 {phone} 给您回电。等候期间您也可以继续在这里留言。',
  inspectionReminder:
    '保养提醒：您位于{site}的 {model}（出厂编号 {serial}）将于{date}进行例行检查。服务协调员会致电与您约定时间；如需改期，请在这里回复。',
  inspectionReminderWhy:
    '保养提醒：您位于{site}的 {model}（出厂编号 {serial}）将于{date}进行例行检查。安排原因：{reason}服务协调员会致电与您约定时间；如需改期，请在这里回复。',
};

export type LiveMessageKey = Key;

/** The message in the operator's language, `{parameters}` filled. */
export function liveText(lang: Lang, key: Key, params: Record<string, string> = {}): string {
  const template: string = (lang === 'zh' ? ZH : EN)[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** The time of a deadline as the operator reads it: their language, the deployment's time zone. */
export function deadlineTime(lang: Lang, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

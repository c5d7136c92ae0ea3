// Dispatch board: plain ES module, no build step, no framework. Served under a strict
// CSP (script-src 'self'; style-src 'self'), so: no inline scripts or styles, and every
// piece of ticket data is rendered with textContent / setAttribute, never innerHTML.

const REFRESH_MS = 15_000;
const TICK_MS = 1_000;
const LIST_LIMIT = 500; // the API's maximum; with sort=due the server keeps the most urgent 500
const KEY_STORAGE = 'dispatch.apiKey';
const LANG_STORAGE = 'dispatch.lang';

const FINAL = new Set(['closed', 'cancelled']);

/** Roles that see the assign form at all; whether a ticket can be assigned now comes from the server (`allowed`). */
const ASSIGN_ROLES = new Set(['dispatcher', 'admin']);

/** The error codes the API sends (src/server/http-errors.ts); anything else is judged by its HTTP status. */
const ERROR_CODES = new Set([
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'illegal_transition',
  'version_conflict',
  'idempotency_key_reused',
  'store_unavailable',
]);
const CODE_BY_STATUS = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'version_conflict',
  422: 'idempotency_key_reused',
  503: 'store_unavailable',
};

// ---------------------------------------------------------------------------------------
// Text (English; Chinese as an option)

const STRINGS = {
  en: {
    skipToContent: 'Skip to content',
    title: 'Dispatch board',
    signOut: 'Sign out',
    reloadTicket: 'Reload ticket',
    dismiss: 'Dismiss',
    signInTitle: 'Sign in',
    apiKey: 'API key',
    apiKeyHelp: 'Paste the key you were given. It is kept only in this browser tab and is forgotten when you sign out or close the tab.',
    signIn: 'Sign in',
    openTickets: 'Tickets',
    fStatus: 'Status',
    optOpen: 'Open (all active)',
    optAll: 'All',
    fLine: 'Product line',
    optAllLines: 'All lines',
    fTech: 'Technician ID',
    fOverdue: 'Overdue only',
    apply: 'Apply',
    refresh: 'Refresh',
    tableCaption: 'Tickets, most urgent deadline first. Select a ticket number to see its details.',
    colNumber: 'Ticket',
    colLine: 'Line',
    colModel: 'Model',
    colFaults: 'Faults',
    colDown: 'Down',
    colStatus: 'Status',
    colTech: 'Technician',
    colNextSla: 'Next deadline',
    colCreated: 'Created',
    empty: 'No tickets match these filters.',
    details: 'Ticket details',
    detailsEmpty: 'Select a ticket to see its details and actions.',
    actions: 'Actions',
    assignLabel: 'Assign technician (ID)',
    assign: 'Assign',
    reassign: 'Reassign',
    noteLabel: 'Note for the history (optional)',
    setStatus: 'Set status:',
    noStatusActions: 'No status change is available from here.',
    slaTitle: 'SLA clocks',
    colClock: 'Clock',
    colDue: 'Due',
    colState: 'State',
    jobTitle: 'Job',
    wordsTitle: "Operator's words",
    stepsTitle: 'Steps already tried',
    historyTitle: 'History',
    none: 'None',
    st_new: 'New',
    st_assigned: 'Assigned',
    st_en_route: 'En route',
    st_on_site: 'On site',
    st_resolved: 'Resolved',
    st_closed: 'Closed',
    st_cancelled: 'Cancelled',
    pl_PT: 'PT · concrete pump truck',
    pl_CP: 'CP · trailer concrete pump',
    pl_RR: 'RR · road roller',
    pl_PV: 'PV · asphalt paver',
    pl_TC: 'TC · tower crane',
    pl_MM: 'MM · cold milling machine',
    pl_HD: 'HD · horizontal directional drill',
    clock_respond: 'Respond',
    clock_on_site: 'On site',
    clock_fixed: 'Fixed',
    clock_follow_up: 'Follow-up',
    'state_at-risk': 'At risk',
    state_breached: 'Breached',
    state_met: 'Met',
    'state_met-late': 'Met late',
    'state_not-applicable': 'Not applicable',
    'state_on-track': 'On track',
    left: '{t} left',
    overdueBy: 'overdue {t}',
    metAt: 'met {at}',
    downYes: 'DOWN',
    downNo: 'no',
    machineDown: 'Machine down',
    unassigned: '—',
    noDeadline: 'no open deadline',
    count: '{n} tickets',
    count1: '1 ticket',
    truncated: 'showing the {n} most urgent; narrow the filters to see the rest',
    updatedAt: 'Updated {at}',
    signedInAs: 'Signed in as {role}',
    signedInAsTech: 'Signed in as {role} {tech}',
    role_agent: 'agent',
    role_dispatcher: 'dispatcher',
    role_technician: 'technician',
    role_admin: 'admin',
    act_en_route: 'En route',
    act_on_site: 'On site',
    act_on_site_reopen: 'Reopen: back on site',
    act_cancelled: 'Cancel ticket',
    act_cancelled_confirm: 'Confirm: cancel ticket',
    act_closed: 'Close (follow-up done)',
    cannotAssign: 'A {status} ticket cannot be (re)assigned.',
    f_customer: 'Customer',
    f_site: 'Site address',
    f_coords: 'Coordinates',
    f_contact: 'Contact',
    f_phone: 'Phone',
    f_equipment: 'Equipment',
    f_serial: 'Serial',
    f_faults: 'Faults',
    f_grade: 'Grade',
    f_workload: 'Workload coefficient',
    f_parts: 'Likely parts',
    f_tier: 'Service tier',
    f_technician: 'Technician',
    f_source: 'Source',
    f_created: 'Created',
    f_updated: 'Updated',
    f_version: 'Version',
    f_closeout: 'Close-out',
    res_fixed: 'fixed it',
    'res_not-fixed': 'did not fix it',
    'res_could-not-do': 'could not do it',
    res_skipped: 'skipped',
    h_created: 'created',
    h_status: 'status changed',
    h_assigned: 'assigned {tech}',
    'h_closed-out': 'closed out',
    // messages
    msgSignedIn: 'Signed in. {n} tickets loaded.',
    msgSignedOut: 'Signed out. The key was removed from this tab.',
    msgSelected: 'Showing ticket {number}.',
    msgAssigned: '{number} assigned to {tech}.',
    msgStatus: '{number} is now {status}.',
    msgConfirmCancel: 'Press "Confirm: cancel ticket" to cancel {number}.',
    msgTicketChanged: '{number} was changed elsewhere; showing the latest version.',
    errKeyRequired: 'Enter your API key.',
    errTechRequired: 'Enter the technician ID to assign.',
    errSignIn: 'Sign-in failed: {error}',
    err401: 'Your API key was not accepted ({error}). Sign in again.',
    err403: 'Not allowed: {error}',
    err404: 'Not found: {error}',
    err409: 'Reload: someone changed this ticket since you loaded it. ({error})',
    errIllegal: 'Not possible: {error}. The ticket has been reloaded.',
    err422: 'The server refused a repeated request: {error}',
    err400: 'The server refused the request: {error}',
    err503: 'The server is not ready ({error}). Trying again shortly.',
    errNetwork: 'Cannot reach the server. The board retries every 15 seconds.',
    errOther: 'Unexpected error (HTTP {status}): {error}',
    langButton: '中文 ZH',
    langButtonLabel: '切换到中文 · Switch to Chinese',
  },
  zh: {
    skipToContent: '跳到主要内容',
    title: '派工看板',
    signOut: '退出',
    reloadTicket: '重新加载工单',
    dismiss: '关闭',
    signInTitle: '登录',
    apiKey: 'API 密钥',
    apiKeyHelp: '粘贴分配给您的密钥。它只保存在当前浏览器标签页中，退出或关闭标签页后即被清除。',
    signIn: '登录',
    openTickets: '工单',
    fStatus: '状态',
    optOpen: '未关闭（全部进行中）',
    optAll: '全部',
    fLine: '产品线',
    optAllLines: '全部产品线',
    fTech: '技师编号',
    fOverdue: '仅显示超时',
    apply: '应用',
    refresh: '刷新',
    tableCaption: '工单按最紧迫的截止时间排序。选择工单号查看详情。',
    colNumber: '工单',
    colLine: '产品线',
    colModel: '型号',
    colFaults: '故障',
    colDown: '停机',
    colStatus: '状态',
    colTech: '技师',
    colNextSla: '下一个时限',
    colCreated: '创建时间',
    empty: '没有符合筛选条件的工单。',
    details: '工单详情',
    detailsEmpty: '选择一个工单以查看详情和操作。',
    actions: '操作',
    assignLabel: '指派技师（编号）',
    assign: '指派',
    reassign: '改派',
    noteLabel: '记录备注（可选）',
    setStatus: '设置状态：',
    noStatusActions: '当前没有可用的状态变更。',
    slaTitle: 'SLA 时限',
    colClock: '时限',
    colDue: '截止',
    colState: '状态',
    jobTitle: '作业信息',
    wordsTitle: '操作手描述',
    stepsTitle: '已尝试的步骤',
    historyTitle: '历史记录',
    none: '无',
    st_new: '新建',
    st_assigned: '已指派',
    st_en_route: '在途',
    st_on_site: '已到场',
    st_resolved: '已解决',
    st_closed: '已关闭',
    st_cancelled: '已取消',
    pl_PT: 'PT · 泵车',
    pl_CP: 'CP · 拖泵/输送泵',
    pl_RR: 'RR · 压路机',
    pl_PV: 'PV · 摊铺机',
    pl_TC: 'TC · 塔机',
    pl_MM: 'MM · 铣刨机',
    pl_HD: 'HD · 水平定向钻',
    clock_respond: '响应',
    clock_on_site: '到场',
    clock_fixed: '修复',
    clock_follow_up: '回访',
    'state_on-track': '正常',
    'state_at-risk': '有风险',
    state_breached: '已超时',
    state_met: '已达成',
    'state_met-late': '超时达成',
    'state_not-applicable': '不适用',
    left: '剩余 {t}',
    overdueBy: '超时 {t}',
    metAt: '{at} 达成',
    downYes: '停机',
    downNo: '否',
    machineDown: '设备停机',
    unassigned: '—',
    noDeadline: '无待办时限',
    count: '{n} 个工单',
    count1: '1 个工单',
    truncated: '仅显示最紧急的 {n} 个；请缩小筛选范围',
    updatedAt: '更新于 {at}',
    signedInAs: '已登录：{role}',
    signedInAsTech: '已登录：{role} {tech}',
    role_agent: '坐席',
    role_dispatcher: '调度员',
    role_technician: '技师',
    role_admin: '管理员',
    act_en_route: '在途',
    act_on_site: '已到场',
    act_on_site_reopen: '重新打开：回到现场',
    act_cancelled: '取消工单',
    act_cancelled_confirm: '确认取消工单',
    act_closed: '关闭（已回访）',
    cannotAssign: '状态为“{status}”的工单不能指派。',
    f_customer: '客户',
    f_site: '现场地址',
    f_coords: '坐标',
    f_contact: '联系人',
    f_phone: '电话',
    f_equipment: '设备',
    f_serial: '序列号',
    f_faults: '故障',
    f_grade: '等级',
    f_workload: '工作量系数',
    f_parts: '可能需要的配件',
    f_tier: '服务等级',
    f_technician: '技师',
    f_source: '来源',
    f_created: '创建',
    f_updated: '更新',
    f_version: '版本',
    f_closeout: '完工记录',
    res_fixed: '已解决',
    'res_not-fixed': '未解决',
    'res_could-not-do': '无法操作',
    res_skipped: '跳过',
    h_created: '创建',
    h_status: '状态变更',
    h_assigned: '指派给 {tech}',
    'h_closed-out': '完工',
    msgSignedIn: '已登录，加载了 {n} 个工单。',
    msgSignedOut: '已退出，密钥已从此标签页清除。',
    msgSelected: '正在显示工单 {number}。',
    msgAssigned: '{number} 已指派给 {tech}。',
    msgStatus: '{number} 现在是“{status}”。',
    msgConfirmCancel: '按“确认取消工单”以取消 {number}。',
    msgTicketChanged: '{number} 已被他人修改，现显示最新版本。',
    errKeyRequired: '请输入 API 密钥。',
    errTechRequired: '请输入要指派的技师编号。',
    errSignIn: '登录失败：{error}',
    err401: 'API 密钥未被接受（{error}）。请重新登录。',
    err403: '无权限：{error}',
    err404: '未找到：{error}',
    err409: '请重新加载：有人在您加载后修改了此工单。（{error}）',
    errIllegal: '无法执行：{error}。已重新加载该工单。',
    err422: '服务器拒绝了重复的请求：{error}',
    err400: '服务器拒绝了请求：{error}',
    err503: '服务器尚未就绪（{error}），稍后自动重试。',
    errNetwork: '无法连接服务器。看板每 15 秒重试一次。',
    errOther: '意外错误（HTTP {status}）：{error}',
    langButton: 'English',
    langButtonLabel: 'Switch to English · 切换到英文',
  },
};

function t(key, vars = {}) {
  const table = STRINGS[state.lang] ?? STRINGS.en;
  const template = table[key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// ---------------------------------------------------------------------------------------
// State

const state = {
  key: null,
  lang: 'en',
  tickets: [],
  truncated: false,
  selectedId: null,
  selected: null,
  /** GET /api/me: {role, technicianId}; null until known (then no action is offered). */
  me: null,
  /** Fault summaries from GET /api/faults, by id; empty until loaded (ids are then shown alone). */
  faults: new Map(),
  /** Server time minus client time, from the list's serverTime: countdowns follow the server. */
  skewMs: 0,
  refreshTimer: 0,
  tickTimer: 0,
  techDebounce: 0,
  listSeq: 0,
  detailSeq: 0,
  busy: false,
  confirmCancelFor: null,
  /** The key a GET /api/faults is in flight for (a sign-out and in again starts a new one). */
  faultsLoadingFor: null,
  /** Which kind of operation raised the current alert: a later successful refresh clears only 'refresh' alerts. */
  alertSource: null,
  /** Elements whose text follows the clock: rebuilt on each render. */
  live: [],
};

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
};

// ---------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, message, issues = [], code = null) {
    super(message);
    this.status = status;
    this.issues = issues;
    /** The API's error code (src/server/http-errors.ts), or null. */
    this.code = code;
  }

  /** What kind of error this is: the API's code, or for answers without one, a code judged by the status. */
  get kind() {
    if (this.code && ERROR_CODES.has(this.code)) return this.code;
    if (this.status === 0) return 'network';
    return CODE_BY_STATUS[this.status] ?? 'other';
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, 'network error');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    // Our routes answer {code, error, issues?}; restify's own errors (unknown route …) answer {code, message}
    // with codes of their own, which ApiError.kind does not mistake for ours.
    const message = data && typeof data.error === 'string' ? data.error : data && typeof data.message === 'string' ? data.message : `HTTP ${res.status}`;
    const issues = data && Array.isArray(data.issues) ? data.issues : [];
    const code = data && typeof data.code === 'string' ? data.code : null;
    throw new ApiError(res.status, message, issues, code);
  }
  return data;
}

function listPath() {
  const f = filters();
  const q = new URLSearchParams();
  if (f.status) q.set('status', f.status);
  if (f.productLine) q.set('productLine', f.productLine);
  if (f.technician && !isTechnician()) q.set('technician', f.technician);
  if (f.overdue) q.set('overdue', 'true');
  // Most urgent unmet deadline first, so that the limit drops the least urgent tickets.
  q.set('sort', 'priority');
  q.set('limit', String(LIST_LIMIT));
  return `/api/tickets?${q.toString()}`;
}

const ticketPath = (id, action = '') => `/api/tickets/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;

// ---------------------------------------------------------------------------------------
// Time

const now = () => Date.now() + state.skewMs;

/** Learns the server's clock from the list's serverTime (taken just before the answer was sent). */
function learnServerTime(serverTime, receivedAt) {
  const server = typeof serverTime === 'string' ? Date.parse(serverTime) : Number.NaN;
  if (!Number.isNaN(server)) state.skewMs = server - receivedAt;
}

const pad = (n) => String(n).padStart(2, '0');

function fmtDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fmtShort(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fmtTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function fmtDuration(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return `${d}d ${h}h ${pad(m)}m`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  return `${m}m ${pad(s)}s`;
}

/** The state of a clock right now, by the same rule as src/tickets/sla.ts. */
function liveClock(clock, ticket) {
  if (clock.metAt || clock.state === 'not-applicable' || clock.state === 'met' || clock.state === 'met-late') {
    return { state: clock.state };
  }
  const due = Date.parse(clock.dueAt);
  const n = now();
  const remaining = due - n;
  if (remaining < 0) return { state: 'breached', remaining };
  const created = Date.parse(ticket.createdAt);
  const fraction = (n - created) / Math.max(1, due - created);
  const atRisk = ticket.sla && typeof ticket.sla.atRiskFraction === 'number' ? ticket.sla.atRiskFraction : 0.75;
  return { state: fraction >= atRisk ? 'at-risk' : 'on-track', remaining };
}

/** The earliest clock not yet met: what the board sorts by. */
function nextClock(ticket) {
  if (FINAL.has(ticket.status)) return null;
  const pending = (ticket.slaStatus ?? []).filter((c) => !c.metAt && c.state !== 'not-applicable');
  pending.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  return pending[0] ?? null;
}

const STATE_MARK = { 'on-track': '●', 'at-risk': '▲', breached: '✖', met: '✔', 'met-late': '✔', 'not-applicable': '–' };

/** Fills a clock element: a state badge (class + text + mark) and, while pending, a countdown. */
function paintClock(entry) {
  const { badge, countdown, clock, ticket } = entry;
  const live = liveClock(clock, ticket);
  badge.className = `sla-badge sla-${live.state}`;
  badge.textContent = `${STATE_MARK[live.state] ?? ''} ${t(`state_${live.state}`)}`;
  if (countdown) {
    if (live.remaining === undefined) {
      countdown.textContent = clock.metAt ? t('metAt', { at: fmtDateTime(clock.metAt) }) : '';
    } else if (live.remaining < 0) {
      countdown.textContent = t('overdueBy', { t: fmtDuration(live.remaining) });
    } else {
      countdown.textContent = t('left', { t: fmtDuration(live.remaining) });
    }
  }
}

function tick() {
  state.live = state.live.filter((e) => e.badge.isConnected);
  for (const entry of state.live) paintClock(entry);
}

// ---------------------------------------------------------------------------------------
// Small DOM helpers (text only)

function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

function timeEl(iso, short = false) {
  return el('time', { text: short ? fmtShort(iso) : fmtDateTime(iso), attrs: { datetime: iso, title: fmtDateTime(iso) } });
}

function clockCell(clock, ticket, withName) {
  const wrap = el('span', { className: withName ? 'sla-cell sla-cell-list' : 'sla-cell' });
  const countdown = el('span', { className: 'countdown' });
  const badge = el('span');
  if (withName) {
    wrap.append(el('span', { className: 'sla-name', text: t(`clock_${clock.name}`) }), badge, countdown);
  } else {
    wrap.append(badge, countdown);
  }
  const entry = { badge, countdown, clock, ticket };
  paintClock(entry);
  state.live.push(entry);
  return wrap;
}

const statusLabel = (s) => t(`st_${s}`);

/** A fault's title from the manual in the UI language (English if it has no other), or null if unknown. */
function faultTitle(id) {
  const title = state.faults.get(id)?.title;
  if (!title) return null;
  const text = title[state.lang] || title.en;
  return text ? { text, lang: title[state.lang] ? null : 'en' } : null;
}

/** "PT-H01 Boom does not move …": the id, then the manual's title once the fault list has loaded. */
function faultLabel(id, className, suffix = '') {
  const title = faultTitle(id);
  const wrap = el('span', { className });
  wrap.append(el('span', { className: 'fault-id', text: id }));
  if (title) {
    wrap.append(' ', el('span', { className: 'fault-title', text: title.text, attrs: { lang: title.lang === 'en' ? 'en' : null } }));
  }
  if (suffix) wrap.append(el('span', { className: 'fault-confidence muted', text: suffix }));
  return wrap;
}

function statusBadge(status) {
  return el('span', { className: `status-badge status-${status}`, text: statusLabel(status) });
}

// ---------------------------------------------------------------------------------------
// Alerts and announcements

function showAlert(message, { issues = [], reload = false, source = 'action' } = {}) {
  $('alert-text').textContent = message;
  const list = $('alert-issues');
  list.replaceChildren(...issues.map((i) => el('li', { text: i.field ? `${i.field}: ${i.message}` : i.message })));
  list.hidden = issues.length === 0;
  $('alert-reload').hidden = !reload;
  $('alert').hidden = false;
  state.alertSource = source;
}

function clearAlert(source) {
  if (source && state.alertSource !== source) return;
  $('alert').hidden = true;
  $('alert-text').textContent = '';
  $('alert-issues').replaceChildren();
  state.alertSource = null;
}

function announce(message) {
  const region = $('status-msg');
  region.textContent = '';
  // A new text node each time so that screen readers announce a repeated message too.
  window.setTimeout(() => (region.textContent = message), 50);
}

function reportError(err, { source = 'action', signingIn = false } = {}) {
  const e = err instanceof ApiError ? err : new ApiError(-1, String(err && err.message ? err.message : err));
  const vars = { error: e.message, status: e.status };
  const kind = e.kind;
  if (signingIn && (kind === 'unauthorized' || kind === 'forbidden')) {
    showAlert(t('errSignIn', vars), { source: 'signin' });
    return;
  }
  switch (kind) {
    case 'network':
      showAlert(t('errNetwork'), { source });
      break;
    case 'invalid_request':
      showAlert(t('err400', vars), { issues: e.issues, source });
      break;
    case 'unauthorized':
      signOut({ silent: true });
      showAlert(t('err401', vars), { source: 'signin' });
      break;
    case 'forbidden':
      showAlert(t('err403', vars), { source });
      break;
    case 'not_found':
      showAlert(t('err404', vars), { source });
      break;
    case 'version_conflict':
      showAlert(t('err409', vars), { reload: state.selected !== null, source });
      break;
    case 'illegal_transition':
      // The page's view of the ticket is out of date: say what the server said and show it as it is now.
      showAlert(t('errIllegal', { error: e.message.replace(/[.\s]+$/, '') }), { source });
      void reloadSelected();
      break;
    case 'idempotency_key_reused':
      showAlert(t('err422', vars), { source });
      break;
    case 'store_unavailable':
      showAlert(t('err503', vars), { source });
      break;
    default:
      showAlert(t('errOther', vars), { source });
  }
}

async function reloadSelected() {
  if (state.selectedId) await loadDetails(state.selectedId, { source: 'action' });
  await loadList({ source: 'refresh' });
}

// ---------------------------------------------------------------------------------------
// Filters and list

function filters() {
  return {
    status: /** @type {HTMLSelectElement} */ ($('f-status')).value,
    productLine: /** @type {HTMLSelectElement} */ ($('f-line')).value,
    technician: /** @type {HTMLInputElement} */ ($('f-tech')).value.trim(),
    overdue: /** @type {HTMLInputElement} */ ($('f-overdue')).checked,
  };
}

/**
 * The server already answers machines that are down first, then most urgent first
 * (sort=priority, same rule as nextClock); sorting again keeps the order right after a
 * local change and while the clock runs.
 */
function sortByUrgency(tickets) {
  const due = (t) => {
    const c = nextClock(t);
    return c ? Date.parse(c.dueAt) : Number.POSITIVE_INFINITY;
  };
  const down = (t) => (t.machineDown && t.status !== 'closed' && t.status !== 'cancelled' ? 0 : 1);
  return [...tickets].sort((a, b) => down(a) - down(b) || due(a) - due(b) || String(a.number).localeCompare(String(b.number)));
}

async function loadList({ source = 'refresh' } = {}) {
  if (!state.key) return null;
  const seq = ++state.listSeq;
  $('tickets').setAttribute('aria-busy', 'true');
  try {
    const data = await api(listPath());
    if (seq !== state.listSeq || !state.key) return null;
    learnServerTime(data && data.serverTime, Date.now());
    const tickets = Array.isArray(data && data.tickets) ? data.tickets : [];
    state.tickets = sortByUrgency(tickets);
    state.truncated = tickets.length >= LIST_LIMIT;
    renderList();
    $('last-update').textContent = t('updatedAt', { at: fmtTime(Date.now()) });
    clearAlert('refresh');
    return state.tickets;
  } catch (err) {
    if (seq === state.listSeq) reportError(err, { source });
    return null;
  } finally {
    if (seq === state.listSeq) $('tickets').removeAttribute('aria-busy');
  }
}

function renderList() {
  const body = $('ticket-rows');
  const focusedId = document.activeElement && document.activeElement.closest ? document.activeElement.closest('tr')?.dataset.id : undefined;
  state.live = state.live.filter((e) => !body.contains(e.badge));
  const rows = state.tickets.map((ticket) => ticketRow(ticket));
  body.replaceChildren(...rows);
  $('empty').hidden = rows.length > 0;
  const n = state.tickets.length;
  let count = n === 1 ? t('count1') : t('count', { n });
  if (state.truncated) count += ` (${t('truncated', { n })})`;
  $('list-count').textContent = count;
  if (focusedId) {
    const button = body.querySelector(`tr[data-id="${CSS.escape(focusedId)}"] button`);
    if (button) button.focus();
  }
}

function ticketRow(ticket) {
  const selected = ticket.id === state.selectedId;
  const row = el('tr', { className: selected ? 'selected' : '' });
  row.dataset.id = ticket.id;
  const open = el('button', {
    className: 'ticket-link',
    text: ticket.number,
    attrs: { type: 'button', 'aria-current': selected ? 'true' : null },
  });
  open.addEventListener('click', () => selectTicket(ticket.id));
  row.append(el('th', { attrs: { scope: 'row' } }, [open]));
  row.append(el('td', { text: ticket.equipment?.productLine ?? '', attrs: { title: t(`pl_${ticket.equipment?.productLine}`) } }));
  row.append(el('td', { className: 'model', text: ticket.equipment?.model ?? '—' }));
  const faults = el('td', { className: 'faults' });
  for (const f of ticket.faults ?? []) faults.append(faultLabel(f.id, 'fault'));
  if (faults.childElementCount === 0) faults.textContent = '—';
  row.append(faults);
  row.append(
    el('td', {}, [
      ticket.machineDown
        ? el('span', { className: 'down-badge', text: t('downYes') })
        : el('span', { className: 'muted', text: t('downNo') }),
    ]),
  );
  row.append(el('td', {}, [statusBadge(ticket.status)]));
  row.append(el('td', { text: ticket.technicianId ?? t('unassigned') }));
  const clock = nextClock(ticket);
  row.append(el('td', { className: 'next-sla' }, [clock ? clockCell(clock, ticket, true) : el('span', { className: 'muted', text: t('noDeadline') })]));
  row.append(el('td', { className: 'created' }, [timeEl(ticket.createdAt, true)]));
  // The whole row is a convenience click target for the mouse; the button is the accessible control.
  row.addEventListener('click', (ev) => {
    if (ev.target instanceof Element && ev.target.closest('button')) return;
    selectTicket(ticket.id);
  });
  return row;
}

// ---------------------------------------------------------------------------------------
// Details

async function selectTicket(id) {
  if (state.selectedId !== id) {
    state.confirmCancelFor = null;
    /** @type {HTMLInputElement} */ ($('assign-tech')).value = '';
    /** @type {HTMLTextAreaElement} */ ($('action-note')).value = '';
  }
  state.selectedId = id;
  for (const row of $('ticket-rows').querySelectorAll('tr')) {
    const on = row.dataset.id === id;
    row.classList.toggle('selected', on);
    const b = row.querySelector('button.ticket-link');
    if (b) on ? b.setAttribute('aria-current', 'true') : b.removeAttribute('aria-current');
  }
  // Show what the list already knows at once, then the authoritative copy.
  const known = state.tickets.find((x) => x.id === id);
  if (known && (!state.selected || state.selected.id !== id)) {
    state.selected = known;
    renderDetails();
  }
  const ticket = await loadDetails(id, { source: 'action' });
  if (ticket) announce(t('msgSelected', { number: ticket.number }));
}

async function loadDetails(id, { source = 'refresh' } = {}) {
  const seq = ++state.detailSeq;
  try {
    const ticket = await api(ticketPath(id));
    if (seq !== state.detailSeq || state.selectedId !== id || !state.key) return null;
    const before = state.selected && state.selected.id === id ? state.selected.version : null;
    state.selected = ticket;
    renderDetails();
    if (source === 'refresh' && before !== null && before !== ticket.version) {
      announce(t('msgTicketChanged', { number: ticket.number }));
    }
    return ticket;
  } catch (err) {
    if (seq !== state.detailSeq) return null;
    reportError(err, { source });
    // Gone, or no longer ours to see (a technician's ticket reassigned): stop showing it.
    if (err instanceof ApiError && (err.kind === 'not_found' || err.kind === 'forbidden') && state.selectedId === id) {
      state.selectedId = null;
      state.selected = null;
      state.confirmCancelFor = null;
      renderDetails();
      renderList();
    }
    return null;
  }
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', { text: label }));
  dl.append(value instanceof Node ? el('dd', {}, [value]) : el('dd', { text: value }));
}

function renderDetails() {
  const ticket = state.selected;
  $('details-empty').hidden = ticket !== null;
  $('details-body').hidden = ticket === null;
  if (!ticket) return;

  $('d-number').textContent = ticket.number;
  $('d-status').replaceChildren(statusBadge(ticket.status));
  const down = $('d-down');
  down.hidden = !ticket.machineDown;
  down.textContent = t('machineDown');

  renderActions(ticket);

  // SLA clocks
  const slaBody = $('d-sla');
  state.live = state.live.filter((e) => !slaBody.contains(e.badge));
  slaBody.replaceChildren(
    ...(ticket.slaStatus ?? []).map((clock) =>
      el('tr', {}, [
        el('th', { text: t(`clock_${clock.name}`), attrs: { scope: 'row' } }),
        el('td', {}, [timeEl(clock.dueAt)]),
        el('td', {}, [clockCell(clock, ticket, false)]),
      ]),
    ),
  );

  // Facts
  const dl = $('d-facts');
  dl.replaceChildren();
  fact(dl, t('f_customer'), ticket.customer?.name);
  fact(dl, t('f_site'), ticket.customer?.site?.address);
  const site = ticket.customer?.site;
  if (site && typeof site.lat === 'number' && typeof site.lon === 'number') fact(dl, t('f_coords'), `${site.lat}, ${site.lon}`);
  fact(dl, t('f_contact'), ticket.contact?.name);
  const phone = ticket.contact?.phone;
  if (phone) {
    fact(dl, t('f_phone'), /^\+?[0-9]{3,20}$/.test(phone) ? el('a', { text: phone, attrs: { href: `tel:${phone}` } }) : phone);
  }
  const eq = ticket.equipment ?? {};
  fact(dl, t('f_equipment'), [t(`pl_${eq.productLine}`), eq.model].filter(Boolean).join(' · '));
  fact(dl, t('f_serial'), eq.serial);
  const faultItems = (ticket.faults ?? []).map((f) =>
    el('li', {}, [faultLabel(f.id, 'fault', typeof f.confidence === 'number' ? ` (${Math.round(f.confidence * 100)} %)` : '')]),
  );
  fact(dl, t('f_faults'), faultItems.length ? el('ul', { className: 'fault-list' }, faultItems) : '—');
  fact(dl, t('f_grade'), ticket.grade ?? '—');
  fact(dl, t('f_workload'), ticket.workloadCoefficient ?? '—');
  fact(dl, t('f_parts'), (ticket.likelyParts ?? []).join(', ') || '—');
  fact(dl, t('f_tier'), ticket.serviceTier);
  fact(dl, t('f_technician'), ticket.technicianId ?? t('unassigned'));
  fact(dl, t('f_source'), [ticket.source, ticket.reference].filter(Boolean).join(' · '));
  fact(dl, t('f_created'), timeEl(ticket.createdAt));
  fact(dl, t('f_updated'), timeEl(ticket.updatedAt));
  fact(dl, t('f_version'), ticket.version);
  if (ticket.closeOut) {
    const co = ticket.closeOut;
    const parts = (co.partsUsed ?? []).map((p) => `${p.code} × ${p.quantity}`).join(', ');
    const actual = co.actualFaultId ? `${co.actualFaultId}${faultTitle(co.actualFaultId) ? ` ${faultTitle(co.actualFaultId).text}` : ''}` : '—';
    fact(
      dl,
      t('f_closeout'),
      [actual, co.rootCauseClass, co.grade, co.workDone, `${co.minutesOnSite} min`, parts].filter(Boolean).join(' · '),
    );
  }

  $('d-words').textContent = ticket.operatorWords ?? '';

  const steps = ticket.stepsTried ?? [];
  $('d-steps').replaceChildren(
    ...steps.map((s) =>
      el('li', {}, [
        el('span', { className: 'step-text', text: s.step }),
        el('span', { className: `step-result result-${s.result}`, text: t(`res_${s.result}`) }),
        s.faultId ? el('span', { className: 'muted', text: `${s.faultId}${s.causeId ? ` / ${s.causeId}` : ''}` }) : null,
      ]),
    ),
  );
  $('d-steps-none').hidden = steps.length > 0;

  $('d-history').replaceChildren(
    ...[...(ticket.history ?? [])].reverse().map((h) => {
      let what = h.action === 'assigned' ? t('h_assigned', { tech: h.technicianId ?? '' }) : t(`h_${h.action}`);
      if (h.from || h.to) what += ` (${h.from ? `${statusLabel(h.from)} → ` : ''}${h.to ? statusLabel(h.to) : ''})`;
      return el('li', {}, [
        timeEl(h.at),
        el('span', { className: 'history-what', text: what }),
        el('span', { className: 'history-actor muted', text: h.actor }),
        h.note ? el('span', { className: 'history-note', text: `“${h.note}”` }) : null,
      ]);
    }),
  );
}

function actionLabel(from, to) {
  if (to === 'on_site' && from === 'resolved') return t('act_on_site_reopen');
  if (to === 'cancelled' && state.confirmCancelFor === state.selectedId) return t('act_cancelled_confirm');
  return t(`act_${to}`);
}

const isTechnician = () => state.me !== null && state.me.role === 'technician';
const canAssignRole = () => state.me !== null && ASSIGN_ROLES.has(state.me.role);

/** The status buttons this user may press on this ticket, as the server says (`allowed`, same rules it enforces). */
function statusTargets(ticket) {
  return ticket.allowed?.statuses ?? [];
}

function renderActions(ticket) {
  const mayAssign = canAssignRole();
  const canAssign = mayAssign && ticket.allowed?.assign === true;
  $('assign-form').hidden = !mayAssign;
  const assignInput = /** @type {HTMLInputElement} */ ($('assign-tech'));
  const assignButton = /** @type {HTMLButtonElement} */ ($('assign-button'));
  assignInput.disabled = !canAssign || state.busy;
  assignButton.disabled = !canAssign || state.busy;
  assignButton.textContent = ticket.technicianId ? t('reassign') : t('assign');
  assignInput.title = canAssign || !mayAssign ? '' : t('cannotAssign', { status: statusLabel(ticket.status) });

  const group = $('status-buttons');
  const focusedStatus = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.status : undefined;
  for (const b of group.querySelectorAll('button')) b.remove();
  const targets = statusTargets(ticket);
  for (const to of targets) {
    const button = el('button', {
      className: to === 'cancelled' ? 'danger' : '',
      text: actionLabel(ticket.status, to),
      attrs: { type: 'button' },
    });
    button.dataset.status = to;
    button.disabled = state.busy;
    button.addEventListener('click', () => onStatusButton(to));
    group.append(button);
    if (focusedStatus === to) button.focus();
  }
  group.hidden = targets.length === 0;
  $('no-status-actions').hidden = targets.length > 0;
  // The note goes with an action: without any, there is nothing to note.
  $('note-field').hidden = !mayAssign && targets.length === 0;
}

function setBusy(on) {
  state.busy = on;
  $('details').setAttribute('aria-busy', on ? 'true' : 'false');
  if (state.selected) renderActions(state.selected);
}

async function mutate(action, body, success) {
  const ticket = state.selected;
  if (!ticket || state.busy) return;
  clearAlert();
  setBusy(true);
  try {
    const note = /** @type {HTMLTextAreaElement} */ ($('action-note')).value.trim();
    const payload = { ...body, expectedVersion: ticket.version };
    if (note) payload.note = note;
    const updated = await api(ticketPath(ticket.id, action), { method: 'POST', body: payload });
    state.confirmCancelFor = null;
    if (state.selectedId === updated.id) {
      state.selected = updated;
      /** @type {HTMLTextAreaElement} */ ($('action-note')).value = '';
    }
    state.tickets = sortByUrgency(state.tickets.map((x) => (x.id === updated.id ? updated : x)));
    renderList();
    announce(success(updated));
    void loadList({ source: 'refresh' }); // filters may no longer match it
  } catch (err) {
    reportError(err, { source: 'action' });
  } finally {
    setBusy(false);
    renderDetails();
    // The clicked button may have gone with the old status: keep focus inside the details.
    if (!document.activeElement || document.activeElement === document.body) $('details-title').focus();
  }
}

function onAssign(ev) {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('assign-tech'));
  const technicianId = input.value.trim();
  if (!technicianId) {
    showAlert(t('errTechRequired'), { issues: [{ field: 'technicianId', message: t('errTechRequired') }] });
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  void mutate('assign', { technicianId }, (u) => {
    input.value = '';
    return t('msgAssigned', { number: u.number, tech: u.technicianId });
  });
}

function onStatusButton(to) {
  const ticket = state.selected;
  if (!ticket) return;
  if (to === 'cancelled' && state.confirmCancelFor !== ticket.id) {
    state.confirmCancelFor = ticket.id;
    renderActions(ticket);
    announce(t('msgConfirmCancel', { number: ticket.number }));
    return;
  }
  void mutate('status', { status: to }, (u) => t('msgStatus', { number: u.number, status: statusLabel(u.status) }));
}

// ---------------------------------------------------------------------------------------
// Refresh loop, sign-in, sign-out

function scheduleRefresh() {
  window.clearTimeout(state.refreshTimer);
  if (!state.key) return;
  state.refreshTimer = window.setTimeout(async () => {
    await refreshAll();
    scheduleRefresh();
  }, REFRESH_MS);
}

async function refreshAll() {
  if (!state.key) return;
  // Either may have failed at sign-in (network, server starting): try again with each refresh.
  if (!state.me && !(await loadMe({ source: 'refresh' }))) return;
  if (state.faults.size === 0) void loadFaults();
  await loadList({ source: 'refresh' });
  if (state.selectedId && !state.busy) await loadDetails(state.selectedId, { source: 'refresh' });
}

function showBoard(on) {
  $('sign-in').hidden = on;
  $('board').hidden = !on;
  $('sign-out').hidden = !on;
}

// ---------------------------------------------------------------------------------------
// Who is signed in, and the fault manual's titles

/** GET /api/me: the key's role (and technician id), which decides the actions offered. Throws on failure. */
async function fetchMe() {
  const key = state.key;
  const data = await api('/api/me');
  if (state.key !== key) return false;
  if (!data || typeof data.role !== 'string') throw new ApiError(-1, 'unexpected answer from /api/me');
  state.me = { role: data.role, technicianId: typeof data.technicianId === 'string' && data.technicianId ? data.technicianId : null };
  applyRole();
  return true;
}

async function loadMe({ source = 'refresh' } = {}) {
  try {
    return await fetchMe();
  } catch (err) {
    reportError(err, { source });
    return false;
  }
}

function renderWhoami() {
  const who = $('whoami');
  const me = state.me;
  who.hidden = me === null;
  if (!me) {
    who.textContent = '';
    return;
  }
  const role = `role_${me.role}` in STRINGS.en ? t(`role_${me.role}`) : me.role;
  who.textContent = me.technicianId ? t('signedInAsTech', { role, tech: me.technicianId }) : t('signedInAs', { role });
}

function applyRole() {
  renderWhoami();
  // A technician's list is their own work whatever they filter by (the server scopes it): no technician filter.
  const technician = isTechnician();
  $('f-tech-field').hidden = technician;
  if (technician) /** @type {HTMLInputElement} */ ($('f-tech')).value = '';
  if (state.selected) renderActions(state.selected);
}

/** GET /api/faults, once per sign-in: titles shown next to fault ids. Optional: ids alone still work. */
async function loadFaults() {
  const key = state.key;
  if (!key || state.faults.size > 0 || state.faultsLoadingFor === key) return;
  state.faultsLoadingFor = key;
  try {
    const data = await api('/api/faults');
    if (state.key !== key || !data || !Array.isArray(data.faults)) return;
    state.faults = new Map(data.faults.filter((f) => f && typeof f.id === 'string').map((f) => [f.id, f]));
    renderList();
    renderDetails();
  } catch {
    /* the next refresh tries again */
  } finally {
    if (state.faultsLoadingFor === key) state.faultsLoadingFor = null;
  }
}

// ---------------------------------------------------------------------------------------
// Sign-in and sign-out

async function signIn(ev) {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('api-key'));
  const key = input.value.trim();
  if (!key) {
    showAlert(t('errKeyRequired'), { source: 'signin' });
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ ($('sign-in-button'));
  button.disabled = true;
  state.key = key;
  try {
    await fetchMe();
  } catch (err) {
    state.key = null;
    state.me = null;
    renderWhoami();
    input.setAttribute('aria-invalid', 'true');
    reportError(err, { source: 'signin', signingIn: true });
    input.focus();
    button.disabled = false;
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  input.value = '';
  input.removeAttribute('aria-invalid');
  clearAlert();
  startSession();
  button.disabled = false;
  const [tickets] = await Promise.all([loadList({ source: 'refresh' }), loadFaults()]);
  if (tickets) announce(t('msgSignedIn', { n: tickets.length }));
}

function startSession() {
  showBoard(true);
  window.clearInterval(state.tickTimer);
  state.tickTimer = window.setInterval(tick, TICK_MS);
  scheduleRefresh();
}

function signOut({ silent = false } = {}) {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  state.me = null;
  state.faults = new Map();
  state.tickets = [];
  state.selected = null;
  state.selectedId = null;
  state.confirmCancelFor = null;
  state.listSeq++;
  state.detailSeq++;
  state.live = [];
  window.clearTimeout(state.refreshTimer);
  window.clearInterval(state.tickTimer);
  $('ticket-rows').replaceChildren();
  $('list-count').textContent = '';
  $('last-update').textContent = '';
  renderWhoami();
  $('f-tech-field').hidden = false;
  renderDetails();
  showBoard(false);
  if (!silent) {
    clearAlert();
    announce(t('msgSignedOut'));
  }
  $('api-key').focus();
}

// ---------------------------------------------------------------------------------------
// Language

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t('title')} · Fault triage`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  const toggle = $('lang-toggle');
  toggle.textContent = t('langButton');
  toggle.setAttribute('lang', state.lang === 'zh' ? 'en' : 'zh');
  toggle.setAttribute('title', t('langButtonLabel'));
  if (state.key) {
    renderWhoami();
    renderList();
    renderDetails();
  }
}

function toggleLanguage() {
  state.lang = state.lang === 'zh' ? 'en' : 'zh';
  try {
    localStorage.setItem(LANG_STORAGE, state.lang);
  } catch {
    /* storage may be off; the choice then lasts for this page only */
  }
  applyLanguage();
}

// ---------------------------------------------------------------------------------------
// Wiring

function init() {
  try {
    const saved = localStorage.getItem(LANG_STORAGE);
    if (saved === 'zh' || saved === 'en') state.lang = saved;
  } catch {
    /* ignore */
  }
  applyLanguage();

  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('lang-toggle').addEventListener('click', toggleLanguage);
  $('alert-dismiss').addEventListener('click', () => clearAlert());
  $('alert-reload').addEventListener('click', async () => {
    clearAlert();
    await reloadSelected();
  });

  const requery = () => {
    void loadList({ source: 'action' });
    scheduleRefresh();
  };
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    window.clearTimeout(state.techDebounce);
    requery();
  });
  $('f-status').addEventListener('change', requery);
  $('f-line').addEventListener('change', requery);
  $('f-overdue').addEventListener('change', requery);
  $('f-tech').addEventListener('input', () => {
    window.clearTimeout(state.techDebounce);
    state.techDebounce = window.setTimeout(requery, 600);
  });
  $('refresh').addEventListener('click', async () => {
    await refreshAll();
    scheduleRefresh();
  });
  $('assign-form').addEventListener('submit', onAssign);

  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) {
    state.key = saved;
    startSession();
    void (async () => {
      if (!(await loadMe({ source: 'refresh' }))) return;
      await Promise.all([loadList({ source: 'action' }), loadFaults()]);
    })();
  } else {
    showBoard(false);
    $('api-key').focus();
  }
}

init();

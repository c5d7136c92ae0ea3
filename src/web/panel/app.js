// Call-center panel: plain ES module, no build step, no framework. Served under a strict
// CSP (script-src 'self'; style-src 'self'), so: no inline scripts or styles, and every
// piece of text from the caller or the manual is rendered with textContent, never innerHTML.

const KEY_STORAGE = 'panel.apiKey';
const LANG_STORAGE = 'panel.lang';
const DEBOUNCE_MS = 300;
const SUGGEST_LIMIT = 5;
/** Roles that may use the panel: the ones that may open tickets and report gaps. */
const STAFF_ROLES = new Set(['agent', 'dispatcher', 'admin']);
const LINES = ['PT', 'CP', 'RR', 'PV', 'TC', 'MM', 'HD'];

/** The API's error codes (src/server/http-errors.ts); answers without one are judged by status. */
const CODE_BY_STATUS = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'version_conflict',
  422: 'idempotency_key_reused',
  429: 'rate_limited',
  503: 'store_unavailable',
};
const KNOWN_CODES = new Set(Object.values(CODE_BY_STATUS).concat(['illegal_transition']));

// ---------------------------------------------------------------------------------------
// Text

const STRINGS = {
  en: {
    skipToContent: 'Skip to content',
    title: 'Call-center panel',
    signOut: 'Sign out',
    dismiss: 'Dismiss',
    signInTitle: 'Sign in',
    apiKey: 'API key',
    apiKeyHelp: 'Paste the key you were given (agent, dispatcher or admin). It is kept only in this browser tab and is forgotten when you sign out or close the tab.',
    signIn: 'Sign in',
    inputTitle: 'Caller and suggestions',
    callerLabel: 'What does the caller say?',
    callerHelp: "Type or paste the caller's words, English or Chinese. Suggestions update as you type; press ↓ to move into the list, Esc to come back.",
    lineFilter: 'Machine',
    anyLine: 'Any machine',
    newCall: 'New call',
    noMatch: 'No confident match',
    abstainAdvice: 'Ask the caller for more detail (what the machine does, when it started, any message on the display), or create a ticket without a fault.',
    reportGap: 'No match — report to the knowledge team',
    gapReported: 'Reported to the knowledge team. Thank you.',
    suggestionsTitle: 'Suggestions',
    suggestionsEmpty: 'Suggestions from the fault manual appear here as you type.',
    weakNote: 'Weak candidates — not confident',
    detailsPaneTitle: 'Fault details and actions',
    ticketCreated: 'Dispatch ticket created',
    detailsEmpty: 'Select a suggestion to see what to read to the caller: safety first, then the steps.',
    readIn: 'Read to the caller in',
    loading: 'Loading…',
    stopTitle: 'Stop, make safe, send a technician',
    stopText: 'The caller must not try to fix this. Read the safety notes below, then create a dispatch ticket.',
    safetyTitle: 'Safety first — read these to the caller',
    operatorTitle: 'Steps for the caller, in order',
    checksOnlyNote: 'The caller can check these things; the repair itself is for a technician.',
    noOperatorSteps: 'No steps for the caller: this fault is for a technician only.',
    fixedHint: 'A step fixed it: press “Resolved on the phone”.',
    techTitle: 'Technician only — do not read as instructions',
    techHelp: 'For the ticket and the technician: what they will check and repair, cause by cause.',
    partsTitle: 'Likely parts',
    colCode: 'Part code',
    colPart: 'Part',
    colStock: 'Stock',
    noParts: 'No parts listed.',
    wearPart: 'wear part (on the van)',
    orderPart: 'to order',
    gradeTitle: 'Fault grade',
    plannedGrade: 'Planned grade',
    workload: 'Workload coefficient',
    ticketFormTitle: 'New dispatch ticket',
    fLine: 'Product line',
    chooseLine: 'Choose…',
    fWords: "Caller's words",
    fCustomer: 'Customer name',
    fSite: 'Site address',
    fContact: 'Contact name',
    fPhone: 'Phone',
    phoneHelp: 'Without a +country code the number is read as Chinese.',
    fModel: 'Model (optional)',
    fSerial: 'Serial (optional)',
    fDown: 'Machine down (it cannot work at all)',
    sendTicket: 'Send ticket to dispatch',
    sending: 'Sending…',
    cancel: 'Cancel',
    resolvedOnPhone: 'Resolved on the phone',
    createTicket: 'Create dispatch ticket',
    sumFault: 'Fault',
    sumNoFault: 'none (no confident match)',
    sumConfidence: 'Confidence',
    sumLine: 'Product line',
    sumSteps: 'Steps tried',
    sumNoSteps: 'none ticked',
    pl_PT: 'PT · concrete pump truck',
    pl_CP: 'CP · trailer concrete pump',
    pl_RR: 'RR · road roller',
    pl_PV: 'PV · asphalt paver',
    pl_TC: 'TC · tower crane',
    pl_MM: 'MM · cold milling machine',
    pl_HD: 'HD · horizontal directional drill',
    ss_yes: 'caller can fix',
    'ss_checks-only': 'caller can check; technician fixes',
    ss_no: 'technician only — make safe',
    cat_electrical: 'electrical',
    cat_mechanical: 'mechanical',
    cat_hydraulic: 'hydraulic',
    cat_other: 'other',
    'class_operator-error': 'operator error',
    'class_needs-repair': 'needs repair',
    'class_part-replacement': 'part replacement',
    strong: 'strong match',
    likely: 'likely',
    possible: 'possible',
    matched: 'matched: “{text}”',
    selectedTag: 'shown',
    reason_low: 'the manual has candidates, but none fits well enough (low confidence)',
    'reason_no-match': 'nothing in the manual matches these words',
    'reason_other-machine': 'not a machine we service',
    reason_intent: 'not a fault: a request for {route}',
    'route_parts-desk': 'the parts desk',
    route_office: 'the office',
    'route_own-ticket': 'the caller’s own ticket',
    route_person: 'a person',
    route_conversation: 'the conversation (greeting or thanks)',
    reason_other: 'the engine is not sure',
    searching: 'Searching…',
    nResults: '{n} suggestions',
    oneResult: '1 suggestion',
    noResults: 'No suggestions',
    callerLang: 'caller writes {lang}',
    lang_en: 'English',
    lang_zh: 'Chinese',
    machineNamed: 'machine named: {line}',
    slowDown: 'Slow down — too many searches. Trying again in {s} s.',
    causeLabel: 'Possible cause {n}: {title}',
    kind_check: 'Check',
    kind_fix: 'Fix',
    stepGroup: 'Result of step {n}',
    tickFixed: 'Done – fixed',
    tickNotFixed: 'Did not help',
    tickTitle: 'Press again to clear',
    res_fixed: 'fixed it',
    'res_not-fixed': 'did not help',
    causeMeta: '{cls} · grade {grade}',
    coefficient: '{c}',
    ticketNumber: 'Ticket {number}',
    promise: 'Tell the caller: a coordinator calls back with a plan within {respond} h; a technician is on site within {onSite} h; the fault is fixed within {fixed} h.',
    outcomeDone: 'Recorded: resolved on the phone ({fault}).',
    msgSignedIn: 'Signed in. Type what the caller says.',
    msgSignedOut: 'Signed out. The key was removed from this tab.',
    msgShowing: 'Showing {id}: {title}.',
    msgNoMatch: 'No confident match.',
    msgTop: 'Top suggestion: {title}.',
    msgTicket: 'Ticket {number} created.',
    msgNewCall: 'Ready for a new call.',
    signedInAs: 'Signed in as {role}',
    role_agent: 'agent',
    role_dispatcher: 'dispatcher',
    role_admin: 'admin',
    role_technician: 'technician',
    errKeyRequired: 'Enter your API key.',
    errSignIn: 'Sign-in failed: {error}',
    errRole: 'This panel is for call-center staff (agent, dispatcher or admin); your key is {role}.',
    err401: 'Your API key was not accepted ({error}). Sign in again.',
    err403: 'Not allowed: {error}',
    err404: 'Not found: {error}',
    err422: 'This form was already sent with other details ({error}). Close the form and open it again.',
    err400: 'Please correct the marked fields.',
    err429: 'Too many requests; wait {s} s and try again.',
    err503: 'The server is not ready ({error}). Try again in a few seconds.',
    errNetwork: 'Cannot reach the server. Check the connection and try again.',
    errOther: 'Unexpected error (HTTP {status}): {error}',
    errRequired: 'Required.',
    errPhone: 'Not a valid phone number (for example 139 1234 5678, or +86 …).',
    langButton: '中文 ZH',
    langButtonLabel: '切换到中文 · Switch to Chinese',
  },
  zh: {
    skipToContent: '跳到主要内容',
    title: '呼叫中心故障助手',
    signOut: '退出',
    dismiss: '关闭',
    signInTitle: '登录',
    apiKey: 'API 密钥',
    apiKeyHelp: '粘贴分配给您的密钥（坐席、调度员或管理员）。它只保存在当前浏览器标签页中，退出或关闭标签页后即被清除。',
    signIn: '登录',
    inputTitle: '客户描述与建议',
    callerLabel: '客户怎么说？',
    callerHelp: '输入或粘贴客户的原话（中文或英文）。输入时建议自动更新；按 ↓ 进入列表，按 Esc 返回。',
    lineFilter: '设备',
    anyLine: '任意设备',
    newCall: '新来电',
    noMatch: '没有可信的匹配',
    abstainAdvice: '请客户多描述一些（设备有什么表现、什么时候开始、显示屏上有无报警），或不带故障直接创建工单。',
    reportGap: '无匹配——报告给知识库团队',
    gapReported: '已报告给知识库团队，谢谢。',
    suggestionsTitle: '建议',
    suggestionsEmpty: '输入时，这里会显示故障手册中的建议。',
    weakNote: '弱候选——不可信',
    detailsPaneTitle: '故障详情与操作',
    ticketCreated: '派工单已创建',
    detailsEmpty: '选择一条建议，查看要读给客户的内容：先安全，后步骤。',
    readIn: '读给客户的语言',
    loading: '加载中…',
    stopTitle: '停机，确保安全，派技师',
    stopText: '客户不得自行处理。请读下面的安全提示，然后创建派工单。',
    safetyTitle: '安全第一——先读给客户',
    operatorTitle: '客户可做的步骤（按顺序）',
    checksOnlyNote: '客户可以做这些检查；维修本身由技师完成。',
    noOperatorSteps: '没有客户可做的步骤：此故障只能由技师处理。',
    fixedHint: '有一步解决了问题：请按“电话中已解决”。',
    techTitle: '仅限技师——不要当作操作指导读给客户',
    techHelp: '供工单和技师参考：技师将逐项检查和维修的内容。',
    partsTitle: '可能需要的配件',
    colCode: '配件编号',
    colPart: '配件',
    colStock: '库存',
    noParts: '未列出配件。',
    wearPart: '易损件（服务车常备）',
    orderPart: '需订货',
    gradeTitle: '故障等级',
    plannedGrade: '计划等级',
    workload: '工作量系数',
    ticketFormTitle: '新建派工单',
    fLine: '产品线',
    chooseLine: '请选择…',
    fWords: '客户原话',
    fCustomer: '客户名称',
    fSite: '现场地址',
    fContact: '联系人',
    fPhone: '电话',
    phoneHelp: '不带 +国家代码 的号码按中国号码处理。',
    fModel: '型号（可选）',
    fSerial: '序列号（可选）',
    fDown: '设备停机（完全不能工作）',
    sendTicket: '发送给调度',
    sending: '发送中…',
    cancel: '取消',
    resolvedOnPhone: '电话中已解决',
    createTicket: '创建派工单',
    sumFault: '故障',
    sumNoFault: '无（没有可信的匹配）',
    sumConfidence: '置信度',
    sumLine: '产品线',
    sumSteps: '已尝试的步骤',
    sumNoSteps: '未勾选',
    pl_PT: 'PT · 泵车',
    pl_CP: 'CP · 拖泵/输送泵',
    pl_RR: 'RR · 压路机',
    pl_PV: 'PV · 摊铺机',
    pl_TC: 'TC · 塔机',
    pl_MM: 'MM · 铣刨机',
    pl_HD: 'HD · 水平定向钻',
    ss_yes: '客户可自行处理',
    'ss_checks-only': '客户可检查，技师维修',
    ss_no: '仅限技师——先确保安全',
    cat_electrical: '电气',
    cat_mechanical: '机械',
    cat_hydraulic: '液压',
    cat_other: '其他',
    'class_operator-error': '操作失误',
    'class_needs-repair': '需要维修',
    'class_part-replacement': '需换件',
    strong: '高度匹配',
    likely: '可能',
    possible: '或许',
    matched: '匹配：“{text}”',
    selectedTag: '已显示',
    reason_low: '手册中有候选，但都不够吻合（置信度低）',
    'reason_no-match': '手册中没有与这些话匹配的内容',
    'reason_other-machine': '不是我们服务的设备',
    reason_intent: '不是故障：属于{route}的请求',
    'route_parts-desk': '配件部',
    route_office: '办公室',
    'route_own-ticket': '来电者自己的工单',
    route_person: '人工',
    route_conversation: '对话（问候或感谢）',
    reason_other: '引擎不确定',
    searching: '正在搜索…',
    nResults: '{n} 条建议',
    oneResult: '1 条建议',
    noResults: '没有建议',
    callerLang: '客户用{lang}',
    lang_en: '英文',
    lang_zh: '中文',
    machineNamed: '提到的设备：{line}',
    slowDown: '请慢一点——搜索太频繁，{s} 秒后重试。',
    causeLabel: '可能原因 {n}：{title}',
    kind_check: '检查',
    kind_fix: '处理',
    stepGroup: '第 {n} 步的结果',
    tickFixed: '已做——解决了',
    tickNotFixed: '没有用',
    tickTitle: '再按一次可清除',
    res_fixed: '已解决',
    'res_not-fixed': '没有用',
    causeMeta: '{cls} · 等级 {grade}',
    coefficient: '{c}',
    ticketNumber: '工单 {number}',
    promise: '请告诉客户：服务协调员将在 {respond} 小时内回电给出方案；技师 {onSite} 小时内到场；{fixed} 小时内修复故障。',
    outcomeDone: '已记录：电话中已解决（{fault}）。',
    msgSignedIn: '已登录。请输入客户的描述。',
    msgSignedOut: '已退出，密钥已从此标签页清除。',
    msgShowing: '正在显示 {id}：{title}。',
    msgNoMatch: '没有可信的匹配。',
    msgTop: '首选建议：{title}。',
    msgTicket: '工单 {number} 已创建。',
    msgNewCall: '可以接听新来电。',
    signedInAs: '已登录：{role}',
    role_agent: '坐席',
    role_dispatcher: '调度员',
    role_admin: '管理员',
    role_technician: '技师',
    errKeyRequired: '请输入 API 密钥。',
    errSignIn: '登录失败：{error}',
    errRole: '此页面供呼叫中心人员（坐席、调度员、管理员）使用；您的密钥是{role}。',
    err401: 'API 密钥未被接受（{error}）。请重新登录。',
    err403: '无权限：{error}',
    err404: '未找到：{error}',
    err422: '此表单已用其他内容发送过（{error}）。请关闭表单后重新打开。',
    err400: '请更正标出的字段。',
    err429: '请求太频繁，请等 {s} 秒后再试。',
    err503: '服务器尚未就绪（{error}），请几秒后再试。',
    errNetwork: '无法连接服务器，请检查网络后重试。',
    errOther: '意外错误（HTTP {status}）：{error}',
    errRequired: '必填。',
    errPhone: '电话号码无效（例如 139 1234 5678，或 +86 …）。',
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
  me: null,
  // Suggestions
  debounceTimer: 0,
  retryTimer: 0,
  /** Every request gets the next number; an answer to anything but the latest is ignored. */
  suggestSeq: 0,
  /** The number of the request in flight, or 0. */
  inFlight: 0,
  rateLimitedUntil: 0,
  /** What went wrong with the latest search, shown under the text area until the next answer. */
  searchProblem: '',
  /** {text, productLine, response} of the latest answer shown. */
  shown: null,
  /** Arrow-down was pressed before the answer came: move into the list once it does. */
  focusListOnResults: false,
  lastAnnounced: '',
  gapReportedFor: null,
  // Selection and details
  /** {id, score, productLine} of the chosen suggestion. */
  selected: null,
  faultSeq: 0,
  /** Full manual entries already loaded, by id. */
  faults: new Map(),
  /** Ids of the faults looked at during this call, in order (their ticks go into the ticket). */
  viewed: [],
  /** Tick results by step key `${faultId}|${causeId}|${kind}|${index}` → 'fixed' | 'not-fixed'. */
  ticks: new Map(),
  /** The language the manual's words are shown in; null = the caller's language. */
  scriptLang: null,
  // Actions
  formOpen: false,
  idempotencyKey: null,
  submitting: false,
  ticket: null,
  outcomeFor: null,
  busy: false,
};

const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
};

function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, String(v));
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A random id for Idempotency-Key; getRandomValues works on plain http too (randomUUID does not). */
function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `panel-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, message, { issues = [], code = null, retryAfter = null } = {}) {
    super(message);
    this.status = status;
    this.issues = issues;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  get kind() {
    if (this.code && KNOWN_CODES.has(this.code)) return this.code;
    if (this.status === 0) return 'network';
    return CODE_BY_STATUS[this.status] ?? 'other';
  }
}

async function api(path, { method = 'GET', body, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${state.key}`, ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
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
    const message = data && typeof data.error === 'string' ? data.error : data && typeof data.message === 'string' ? data.message : `HTTP ${res.status}`;
    const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
    throw new ApiError(res.status, message, {
      issues: data && Array.isArray(data.issues) ? data.issues : [],
      code: data && typeof data.code === 'string' ? data.code : null,
      retryAfter: Number.isFinite(retry) && retry >= 0 ? retry : null,
    });
  }
  return data;
}

// ---------------------------------------------------------------------------------------
// Alerts and announcements

function showAlert(message) {
  $('alert-text').textContent = message;
  $('alert').hidden = false;
}

function clearAlert() {
  $('alert').hidden = true;
  $('alert-text').textContent = '';
}

function announce(message) {
  const region = $('status-msg');
  region.textContent = '';
  window.setTimeout(() => (region.textContent = message), 50);
}

const asApiError = (err) => (err instanceof ApiError ? err : new ApiError(-1, String(err && err.message ? err.message : err)));

/** The message for an API error. */
function errorMessage(err) {
  const e = asApiError(err);
  const vars = { error: e.message, status: e.status, s: e.retryAfter ?? 5 };
  switch (e.kind) {
    case 'network':
      return t('errNetwork');
    case 'unauthorized':
      return t('err401', vars);
    case 'forbidden':
      return t('err403', vars);
    case 'not_found':
      return t('err404', vars);
    case 'idempotency_key_reused':
      return t('err422', vars);
    case 'rate_limited':
      return t('err429', vars);
    case 'store_unavailable':
      return t('err503', vars);
    case 'invalid_request':
      return e.issues.length ? e.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : e.message;
    default:
      return t('errOther', vars);
  }
}

/** Shows an error where it belongs; a key that is no longer accepted signs out. */
function handleError(err, show = showAlert) {
  const e = asApiError(err);
  if (e.kind === 'unauthorized') {
    signOut({ silent: true });
    showAlert(t('err401', { error: e.message }));
    return;
  }
  show(errorMessage(e));
}

// ---------------------------------------------------------------------------------------
// Labels

const lineName = (code) => (LINES.includes(code) ? t(`pl_${code}`) : String(code ?? ''));
const selfServiceLabel = (v) => t(`ss_${v}`);
const strength = (score) => (score >= 0.8 ? 'strong' : score >= 0.5 ? 'likely' : 'possible');
const percent = (score) => `${Math.round(Math.max(0, Math.min(1, Number(score) || 0)) * 100)} %`;

/** The language the manual's words are read in: chosen, else the caller's, else the UI's. */
function contentLang() {
  if (state.scriptLang) return state.scriptLang;
  const caller = state.shown?.response?.language;
  return caller === 'zh' || caller === 'en' ? caller : state.lang;
}

function bi(text, lang = contentLang()) {
  if (!text || typeof text !== 'object') return String(text ?? '');
  return text[lang] || text.en || text.zh || '';
}

// ---------------------------------------------------------------------------------------
// Suggestions

const callerText = () => /** @type {HTMLTextAreaElement} */ ($('caller-text')).value;
const lineFilter = () => /** @type {HTMLSelectElement} */ ($('line-filter')).value;

function scheduleSearch(delay = DEBOUNCE_MS) {
  window.clearTimeout(state.debounceTimer);
  state.debounceTimer = window.setTimeout(() => {
    state.debounceTimer = 0;
    void runSearch();
  }, delay);
}

function searchPending() {
  return state.debounceTimer !== 0 || state.inFlight !== 0 || state.retryTimer !== 0;
}

async function runSearch() {
  window.clearTimeout(state.debounceTimer);
  state.debounceTimer = 0;
  const text = callerText();
  const productLine = lineFilter();
  const seq = ++state.suggestSeq;
  if (!state.key) return;
  if (!text.trim()) {
    state.inFlight = 0;
    state.searchProblem = '';
    state.shown = null;
    state.focusListOnResults = false;
    renderSuggestions();
    return;
  }
  const wait = state.rateLimitedUntil - Date.now();
  if (wait > 0) {
    scheduleRetry(wait);
    return;
  }
  state.inFlight = seq;
  renderSearchState();
  const body = { text, limit: SUGGEST_LIMIT };
  if (productLine) body.productLine = productLine;
  try {
    const response = await api('/api/suggest', { method: 'POST', body });
    if (seq !== state.suggestSeq) return; // an answer to an older request: ignore it
    state.inFlight = 0;
    state.searchProblem = '';
    state.shown = { text, productLine, response: normaliseResponse(response) };
    renderSuggestions();
    afterResults();
  } catch (err) {
    if (seq !== state.suggestSeq) return;
    state.inFlight = 0;
    state.searchProblem = '';
    if (err instanceof ApiError && err.kind === 'rate_limited') {
      const seconds = err.retryAfter && err.retryAfter > 0 ? err.retryAfter : 2;
      state.rateLimitedUntil = Date.now() + seconds * 1000;
      scheduleRetry(seconds * 1000);
      return;
    }
    if (err instanceof ApiError && err.kind === 'invalid_request') {
      // e.g. more text than the engine takes: say so under the text area
      state.searchProblem = err.issues.map((i) => i.message).join('; ') || err.message;
      renderSearchState();
      return;
    }
    handleError(err, (message) => {
      state.searchProblem = message;
      // The index is still loading (503) or the network dropped: try the same words again.
      if (err instanceof ApiError && (err.kind === 'store_unavailable' || err.kind === 'network')) scheduleRetry((err.retryAfter || 5) * 1000);
      else renderSearchState();
    });
  }
}

function scheduleRetry(ms) {
  window.clearTimeout(state.retryTimer);
  state.retryTimer = window.setTimeout(() => {
    state.retryTimer = 0;
    void runSearch();
  }, Math.max(50, ms));
  renderSearchState();
}

function normaliseResponse(r) {
  const results = Array.isArray(r?.results) ? r.results.filter((x) => x && typeof x.id === 'string') : [];
  return {
    abstain: Boolean(r?.abstain),
    reason: typeof r?.reason === 'string' ? r.reason : undefined,
    confidence: typeof r?.confidence === 'number' ? r.confidence : 0,
    language: r?.language,
    detectedProductLine: typeof r?.detectedProductLine === 'string' ? r.detectedProductLine : undefined,
    intent: r?.intent && typeof r.intent.id === 'string' && typeof r.intent.route === 'string' ? { id: r.intent.id, route: r.intent.route } : undefined,
    results,
  };
}

function renderSearchState() {
  const problem = state.searchProblem;
  const node = $('search-state');
  node.className = 'search-state';
  if (state.retryTimer && state.rateLimitedUntil > Date.now()) {
    node.textContent = t('slowDown', { s: Math.max(1, Math.ceil((state.rateLimitedUntil - Date.now()) / 1000)) });
    node.classList.add('warn');
    return;
  }
  if (problem) {
    node.textContent = problem;
    node.classList.add('warn');
    return;
  }
  if (state.inFlight) {
    node.textContent = t('searching');
    node.classList.add('busy');
    return;
  }
  const shown = state.shown;
  if (!shown) {
    node.textContent = '';
    return;
  }
  const r = shown.response;
  const parts = [r.results.length === 1 ? t('oneResult') : r.results.length ? t('nResults', { n: r.results.length }) : t('noResults')];
  if (r.language === 'en' || r.language === 'zh') parts.push(t('callerLang', { lang: t(`lang_${r.language}`) }));
  if (r.detectedProductLine) parts.push(t('machineNamed', { line: lineName(r.detectedProductLine) }));
  node.textContent = parts.join(' · ');
}

function reasonText(reason, intent) {
  if (reason === 'intent' && intent) return t('reason_intent', { route: t(`route_${intent.route}`) });
  if (reason === 'low-confidence') return t('reason_low');
  if (reason === 'no-match' || reason === 'other-machine') return t(`reason_${reason}`);
  return t('reason_other');
}

function renderSuggestions() {
  const list = $('suggestions');
  const hadFocus = list.contains(document.activeElement) ? document.activeElement.getAttribute('data-id') : null;
  const shown = state.shown;
  const r = shown?.response;
  const results = r?.results ?? [];
  const abstain = Boolean(r?.abstain);

  $('abstain').hidden = !abstain;
  if (abstain) {
    $('abstain-reason').textContent = reasonText(r.reason, r.intent);
    const reported = state.gapReportedFor === gapKey();
    $('report-gap').disabled = reported || state.busy;
    $('gap-done').hidden = !reported;
    $('gap-done').textContent = reported ? t('gapReported') : '';
  }
  $('suggestions-note').textContent = abstain && results.length ? t('weakNote') : '';
  list.classList.toggle('weak', abstain);

  const items = results.map((s, i) => {
    const score = typeof s.score === 'number' ? s.score : 0;
    const level = strength(score);
    const isSelected = state.selected?.id === s.id;
    const title = bi(s.title, state.lang);
    const head = el('span', { className: 'sg-head' }, [
      el('span', { className: 'sg-rank', text: `${i + 1}`, attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'sg-id', text: s.id }),
      el('span', { className: 'sg-title', text: title }),
      isSelected ? el('span', { className: 'sg-selected', text: t('selectedTag') }) : null,
    ]);
    const conf = el('span', { className: `sg-conf conf-${level}` }, [
      el('span', { className: 'sg-level', text: t(level) }),
      el('span', { className: 'sg-pct', text: percent(score) }),
      el('meter', { className: 'sg-meter', attrs: { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 1, value: score, 'aria-hidden': 'true' } }),
    ]);
    const matched = el('span', { className: 'sg-matched', text: t('matched', { text: s.matchedPhrasing ?? '' }) });
    const meta = el('span', { className: 'sg-meta' }, [
      el('span', { text: lineName(s.productLine) }),
      el('span', { className: `ss ss-${s.selfService}`, text: selfServiceLabel(s.selfService) }),
    ]);
    const button = el('button', {
      className: `sg${isSelected ? ' selected' : ''}${abstain ? ' weak' : ''}`,
      attrs: { type: 'button', 'data-id': s.id, 'data-index': i, 'aria-current': isSelected ? 'true' : null },
    }, [head, conf, matched, meta]);
    button.addEventListener('click', () => selectSuggestion(s));
    return el('li', {}, [button]);
  });
  list.replaceChildren(...items);
  $('suggestions-empty').hidden = items.length > 0;
  renderSearchState();
  if (hadFocus) {
    const again = list.querySelector(`button[data-id="${CSS.escape(hadFocus)}"]`) ?? list.querySelector('button');
    if (again) /** @type {HTMLElement} */ (again).focus();
  }
}

function afterResults() {
  const r = state.shown?.response;
  if (!r) return;
  if (state.focusListOnResults) {
    state.focusListOnResults = false;
    if (document.activeElement === $('caller-text')) focusOption(0);
  }
  const message = r.abstain ? t('msgNoMatch') : r.results[0] ? t('msgTop', { title: bi(r.results[0].title, state.lang) }) : '';
  if (message && message !== state.lastAnnounced) {
    state.lastAnnounced = message;
    announce(message);
  }
}

function optionButtons() {
  return /** @type {HTMLButtonElement[]} */ (Array.from($('suggestions').querySelectorAll('button.sg')));
}

function focusOption(index) {
  const buttons = optionButtons();
  if (!buttons.length) return false;
  const i = Math.max(0, Math.min(buttons.length - 1, index));
  buttons[i].focus();
  return true;
}

function onCallerKeydown(ev) {
  if (ev.key !== 'ArrowDown' || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
  const area = /** @type {HTMLTextAreaElement} */ (ev.target);
  // Only from the last line: elsewhere ↓ moves the caret as usual.
  if (area.value.indexOf('\n', area.selectionEnd) !== -1) return;
  if (!area.value.trim()) return;
  ev.preventDefault();
  const current = state.shown && state.shown.text === area.value && state.shown.productLine === lineFilter();
  if (current && !searchPending()) {
    focusOption(0);
    return;
  }
  state.focusListOnResults = true;
  if (!state.inFlight && !state.retryTimer) void runSearch();
}

function onListKeydown(ev) {
  const target = /** @type {HTMLElement} */ (ev.target);
  if (!target.matches('button.sg')) return;
  const buttons = optionButtons();
  const index = buttons.indexOf(/** @type {HTMLButtonElement} */ (target));
  switch (ev.key) {
    case 'ArrowDown':
      ev.preventDefault();
      focusOption(index + 1);
      break;
    case 'ArrowUp':
      ev.preventDefault();
      if (index <= 0) $('caller-text').focus();
      else focusOption(index - 1);
      break;
    case 'Home':
      ev.preventDefault();
      focusOption(0);
      break;
    case 'End':
      ev.preventDefault();
      focusOption(buttons.length - 1);
      break;
    default:
  }
}

// ---------------------------------------------------------------------------------------
// Details

async function selectSuggestion(s) {
  state.selected = { id: s.id, score: typeof s.score === 'number' ? s.score : undefined, productLine: s.productLine };
  if (!state.viewed.includes(s.id)) state.viewed.push(s.id);
  closeForm({ focus: false });
  renderSuggestions();
  renderActions();
  const seq = ++state.faultSeq;
  if (!state.faults.has(s.id)) {
    showDetailsLoading(s);
    try {
      const fault = await api(`/api/faults/${encodeURIComponent(s.id)}`);
      if (seq !== state.faultSeq) return;
      state.faults.set(s.id, fault);
    } catch (err) {
      if (seq !== state.faultSeq) return;
      $('details-loading').hidden = true;
      handleError(err);
      return;
    }
  }
  renderDetails();
  const fault = state.faults.get(s.id);
  if (fault) announce(t('msgShowing', { id: fault.id, title: bi(fault.title, state.lang) }));
}

function showDetailsLoading(s) {
  $('details-empty').hidden = true;
  $('details').hidden = false;
  $('fault-id').textContent = s.id;
  $('fault-title').textContent = bi(s.title);
  $('fault-meta').textContent = '';
  $('details-loading').hidden = false;
  for (const id of ['stop-banner', 'safety', 'operator-section', 'tech-section', 'parts-section']) $(id).hidden = true;
  $('grade-facts').replaceChildren();
}

/** The steps read to the caller, in the manual's order: the server marks them (`readToCaller`) by the same rule the bot uses. */
function operatorSteps(fault) {
  const steps = [];
  if (!fault) return steps;
  (fault.causes ?? []).forEach((cause, causeIndex) => {
    for (const kind of ['check', 'fix']) {
      (cause[kind === 'check' ? 'checks' : 'fixes'] ?? []).forEach((step, i) => {
        if (step.readToCaller === true) steps.push({ fault, cause, causeIndex, kind, step, key: `${fault.id}|${cause.id}|${kind}|${i}` });
      });
    }
  });
  return steps;
}

/** Everything else, per cause: never read out as instructions. */
function technicianSteps(fault) {
  const operator = new Set(operatorSteps(fault).map((s) => s.key));
  return (fault.causes ?? []).map((cause, causeIndex) => {
    const steps = [];
    for (const kind of ['check', 'fix']) {
      (cause[kind === 'check' ? 'checks' : 'fixes'] ?? []).forEach((step, i) => {
        const key = `${fault.id}|${cause.id}|${kind}|${i}`;
        if (!operator.has(key)) steps.push({ kind, step, key });
      });
    }
    return { cause, causeIndex, steps };
  });
}

function renderDetails() {
  const fault = state.selected ? state.faults.get(state.selected.id) : null;
  const lang = contentLang();
  $('read-en').setAttribute('aria-pressed', String(lang === 'en'));
  $('read-zh').setAttribute('aria-pressed', String(lang === 'zh'));
  if (!fault) {
    if (!state.selected) {
      $('details').hidden = true;
      $('details-empty').hidden = state.formOpen;
    }
    return;
  }
  $('details-loading').hidden = true;
  $('details-empty').hidden = true;
  $('details').hidden = state.formOpen;
  const langAttr = lang === 'zh' ? 'zh-CN' : 'en';

  $('fault-id').textContent = fault.id;
  const title = $('fault-title');
  title.textContent = bi(fault.title, lang);
  title.setAttribute('lang', langAttr);
  $('fault-meta').replaceChildren(
    el('span', { text: lineName(fault.product_line) }),
    el('span', { text: t(`cat_${fault.category}`) }),
    el('span', { className: `ss ss-${fault.self_service}`, text: selfServiceLabel(fault.self_service) }),
  );

  const stop = fault.self_service === 'no';
  $('stop-banner').hidden = !stop;

  $('safety').hidden = false;
  $('safety-list').replaceChildren(...(fault.safety ?? []).map((s) => el('li', { text: bi(s, lang), attrs: { lang: langAttr } })));

  // Steps for the caller
  $('operator-section').hidden = false;
  const steps = operatorSteps(fault);
  const note = $('operator-note');
  note.hidden = fault.self_service !== 'checks-only';
  note.textContent = fault.self_service === 'checks-only' ? t('checksOnlyNote') : '';
  let lastCause = -1;
  const items = steps.map((s, i) => {
    const li = el('li', { className: 'step', attrs: { 'data-step-key': s.key } });
    if (s.causeIndex !== lastCause) {
      lastCause = s.causeIndex;
      li.append(el('p', { className: 'step-cause', text: t('causeLabel', { n: s.causeIndex + 1, title: bi(s.cause.title, lang) }), attrs: { lang: langAttr } }));
    }
    li.append(
      el('p', { className: 'step-body' }, [
        el('span', { className: `step-kind kind-${s.kind}`, text: t(`kind_${s.kind}`) }),
        el('span', { className: 'step-text', text: bi(s.step, lang), attrs: { lang: langAttr } }),
      ]),
    );
    const result = state.ticks.get(s.key) ?? null;
    li.classList.toggle('is-fixed', result === 'fixed');
    li.classList.toggle('is-not-fixed', result === 'not-fixed');
    const group = el('div', { className: 'ticks', attrs: { role: 'group', 'aria-label': t('stepGroup', { n: i + 1 }) } });
    for (const [value, label, cls] of [
      ['fixed', t('tickFixed'), 'tick-fixed'],
      ['not-fixed', t('tickNotFixed'), 'tick-not'],
    ]) {
      const b = el('button', {
        className: `tick ${cls}`,
        text: label,
        attrs: { type: 'button', 'aria-pressed': String(result === value), title: result === value ? t('tickTitle') : null },
      });
      b.addEventListener('click', () => setTick(s.key, result === value ? null : value));
      group.append(b);
    }
    li.append(group);
    return li;
  });
  $('operator-steps').replaceChildren(...items);
  $('operator-steps').hidden = steps.length === 0;
  $('no-operator-steps').hidden = steps.length > 0;
  $('fixed-hint').hidden = !steps.some((s) => state.ticks.get(s.key) === 'fixed');

  // Technician only
  $('tech-section').hidden = false;
  const causes = technicianSteps(fault).filter((c) => c.steps.length > 0);
  $('tech-causes').replaceChildren(
    ...causes.map(({ cause, causeIndex, steps: ts }) =>
      // Numbered as in the manual (and in "Possible cause n" above), gaps and all.
      el('li', { className: 'tech-cause', attrs: { value: causeIndex + 1 } }, [
        el('p', { className: 'tech-cause-title' }, [
          el('span', { text: bi(cause.title, lang), attrs: { lang: langAttr } }),
          el('span', { className: 'tech-cause-meta', text: ` ${t('causeMeta', { cls: t(`class_${cause.class}`), grade: cause.grade })}` }),
        ]),
        el(
          'ul',
          { className: 'tech-steps' },
          ts.map((s) =>
            el('li', { attrs: { 'data-step-key': s.key } }, [
              el('span', { className: `step-kind kind-${s.kind}`, text: t(`kind_${s.kind}`) }),
              el('span', { className: 'step-text', text: bi(s.step, lang), attrs: { lang: langAttr } }),
            ]),
          ),
        ),
      ]),
    ),
  );
  $('tech-section').hidden = causes.length === 0;

  // Parts
  $('parts-section').hidden = false;
  const parts = Array.isArray(fault.parts) ? fault.parts.filter((p) => p && typeof p.code === 'string') : [];
  $('parts-rows').replaceChildren(
    ...parts.map((p) =>
      el('tr', {}, [
        el('td', { className: 'code', text: p.code }),
        el('td', { text: bi(p.name, lang), attrs: { lang: langAttr } }),
        el('td', { text: p.wear_part ? t('wearPart') : t('orderPart') }),
      ]),
    ),
  );
  $('parts-table').hidden = parts.length === 0;
  $('no-parts').hidden = parts.length > 0;

  // Grade
  $('grade-facts').replaceChildren(
    el('dt', { text: t('plannedGrade') }),
    el('dd', { className: 'grade', text: fault.plannedGrade ?? '—' }),
    el('dt', { text: t('workload') }),
    el('dd', { text: fault.workloadCoefficient ?? '—' }),
  );
}

function setTick(key, result) {
  if (result) state.ticks.set(key, result);
  else state.ticks.delete(key);
  // Keep focus on the same button after the list is rebuilt.
  const active = document.activeElement;
  const cls = active && active.classList.contains('tick-fixed') ? 'tick-fixed' : active && active.classList.contains('tick-not') ? 'tick-not' : null;
  renderDetails();
  if (cls) {
    const again = $('operator-steps').querySelector(`li[data-step-key="${CSS.escape(key)}"] .${cls}`);
    if (again) /** @type {HTMLElement} */ (again).focus();
  }
  renderActions();
}

/** Ticked steps of every fault looked at during this call, in viewing and step order; English text. */
function stepsTried() {
  const out = [];
  for (const id of state.viewed) {
    const fault = state.faults.get(id);
    if (!fault) continue;
    for (const s of operatorSteps(fault)) {
      const result = state.ticks.get(s.key);
      if (result) out.push({ faultId: fault.id, causeId: s.cause.id, step: String(s.step.en ?? '').slice(0, 1000), result });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Actions: resolved on the phone, knowledge gap, ticket

function renderActions() {
  const resolved = /** @type {HTMLButtonElement} */ ($('resolved'));
  // A call ends once: on the phone, or in a ticket (then "resolved" would contradict it).
  resolved.disabled = !state.selected || state.busy || state.outcomeFor === state.selected.id || Boolean(state.ticket);
  /** @type {HTMLButtonElement} */ ($('create-ticket')).disabled = state.busy;
  resolved.classList.toggle('suggested', !resolved.disabled && stepsTried().some((s) => s.faultId === state.selected.id && s.result === 'fixed'));
}

function setActionMsg(text, kind = 'ok') {
  const node = $('action-msg');
  node.textContent = text;
  node.className = `action-msg ${text ? kind : ''}`;
}

async function onResolved() {
  if (!state.selected || state.busy) return;
  const fault = state.faults.get(state.selected.id);
  const body = { text: callerText().trim() || (fault ? bi(fault.title, 'en') : state.selected.id), faultId: state.selected.id, stepsTried: stepsTried().filter((s) => s.faultId === state.selected.id) };
  const line = state.selected.productLine ?? fault?.product_line;
  if (line) body.productLine = line;
  state.busy = true;
  renderActions();
  try {
    await api('/api/outcomes', { method: 'POST', body });
    state.outcomeFor = state.selected.id;
    setActionMsg(t('outcomeDone', { fault: state.selected.id }));
    announce(t('outcomeDone', { fault: state.selected.id }));
  } catch (err) {
    handleError(err, (message) => setActionMsg(message, 'bad'));
  } finally {
    state.busy = false;
    renderActions();
  }
}

const gapKey = () => `${callerText().trim()}\u0000${lineFilter()}`;

async function onReportGap() {
  const text = callerText().trim();
  if (!text || state.busy) return;
  const key = gapKey();
  const body = { text };
  if (lineFilter()) body.productLine = lineFilter();
  else if (state.shown?.response?.detectedProductLine) body.productLine = state.shown.response.detectedProductLine;
  state.busy = true;
  $('report-gap').disabled = true;
  try {
    await api('/api/knowledge-gaps', { method: 'POST', body });
    state.gapReportedFor = key;
    announce(t('gapReported'));
  } catch (err) {
    handleError(err);
  } finally {
    state.busy = false;
    renderSuggestions();
    renderActions();
  }
}

const FIELD_INPUT = {
  'customer.name': 't-customer',
  'customer.site.address': 't-site',
  'customer.site': 't-site',
  customer: 't-customer',
  'contact.name': 't-contact',
  'contact.phone': 't-phone',
  contact: 't-contact',
  'equipment.productLine': 't-line',
  'equipment.model': 't-model',
  'equipment.serial': 't-serial',
  equipment: 't-line',
  operatorWords: 't-words',
  machineDown: 't-down',
};
const FORM_INPUTS = ['t-line', 't-words', 't-customer', 't-site', 't-contact', 't-phone', 't-model', 't-serial', 't-down'];

function productLineForTicket() {
  const fault = state.selected ? state.faults.get(state.selected.id) : null;
  return fault?.product_line ?? state.selected?.productLine ?? (lineFilter() || state.shown?.response?.detectedProductLine || '');
}

function openForm() {
  if (state.ticket) {
    // One ticket per call: show it again instead of opening a second one by accident.
    $('ticket-done').hidden = false;
    $('ticket-done').focus();
    return;
  }
  if (!state.formOpen) {
    state.formOpen = true;
    state.idempotencyKey = randomId();
    clearFieldErrors();
    /** @type {HTMLTextAreaElement} */ ($('t-words')).value = callerText().trim();
    /** @type {HTMLSelectElement} */ ($('t-line')).value = productLineForTicket();
  }
  renderForm();
  $('ticket-section').hidden = false;
  $('action-bar').hidden = true;
  $('details').hidden = true;
  $('details-empty').hidden = true;
  $('details-scroll').scrollTop = 0;
  /** @type {HTMLElement} */ ($('t-customer')).focus();
}

function closeForm({ focus = true } = {}) {
  if (!state.formOpen) return;
  state.formOpen = false;
  $('ticket-section').hidden = true;
  $('action-bar').hidden = false;
  clearFieldErrors();
  renderDetails();
  if (!state.selected) $('details-empty').hidden = false;
  if (focus) $('create-ticket').focus();
}

function renderForm() {
  const fault = state.selected ? state.faults.get(state.selected.id) : null;
  const summary = [];
  const add = (label, value, className) => summary.push(el('dt', { text: label }), el('dd', { text: value, className }));
  if (state.selected) {
    add(t('sumFault'), `${state.selected.id} ${fault ? bi(fault.title, state.lang) : ''}`.trim());
    if (typeof state.selected.score === 'number') add(t('sumConfidence'), `${t(strength(state.selected.score))} ${percent(state.selected.score)}`);
    add(t('sumLine'), lineName(productLineForTicket()));
  } else {
    add(t('sumFault'), t('sumNoFault'));
  }
  const tried = stepsTried();
  const dd = el('dd');
  if (tried.length) {
    dd.append(el('ol', { className: 'tried' }, tried.map((s) => el('li', {}, [el('span', { text: s.step, attrs: { lang: 'en' } }), ' ', el('span', { className: `res res-${s.result}`, text: t(`res_${s.result}`) })]))));
  } else {
    dd.textContent = t('sumNoSteps');
  }
  summary.push(el('dt', { text: t('sumSteps') }), dd);
  $('ticket-summary').replaceChildren(...summary);
  // With a fault the line is the fault's; without one the agent picks it.
  $('f-line-field').hidden = Boolean(state.selected);
  $('t-submit').textContent = state.submitting ? t('sending') : t('sendTicket');
  /** @type {HTMLButtonElement} */ ($('t-submit')).disabled = state.submitting;
}

function clearFieldErrors() {
  for (const id of FORM_INPUTS) {
    $(id).removeAttribute('aria-invalid');
    const err = $(`err-${id}`);
    err.hidden = true;
    err.textContent = '';
  }
  $('form-error').hidden = true;
  $('form-error').textContent = '';
}

function issueText(field, message) {
  if (field === 'contact.phone' && /phone/i.test(message)) return /** @type {HTMLInputElement} */ ($('t-phone')).value.trim() ? t('errPhone') : t('errRequired');
  if (/^(must not be empty|required)$/i.test(message)) return t('errRequired');
  return message;
}

function showFieldErrors(issues) {
  clearFieldErrors();
  const general = [];
  let first = null;
  for (const issue of issues) {
    const field = String(issue.field ?? '');
    const id = FIELD_INPUT[field];
    if (id && !(id === 't-line' && state.selected)) {
      $(id).setAttribute('aria-invalid', 'true');
      const err = $(`err-${id}`);
      err.textContent = err.textContent ? `${err.textContent} ${issueText(field, issue.message)}` : issueText(field, issue.message);
      err.hidden = false;
      first ??= id;
    } else {
      general.push(`${field}: ${issue.message}`);
    }
  }
  const box = $('form-error');
  box.textContent = [t('err400'), ...general].join(' ');
  box.hidden = false;
  if (first) $(first).focus();
  else box.focus();
}

function ticketBody() {
  const v = (id) => /** @type {HTMLInputElement} */ ($(id)).value.trim();
  const body = {
    customer: { name: v('t-customer'), site: { address: v('t-site') } },
    contact: { name: v('t-contact'), phone: v('t-phone') },
    equipment: { productLine: state.selected ? productLineForTicket() : v('t-line') },
    faults: [],
    operatorWords: v('t-words'),
    stepsTried: stepsTried(),
    machineDown: /** @type {HTMLInputElement} */ ($('t-down')).checked,
    source: 'panel',
  };
  if (v('t-model')) body.equipment.model = v('t-model');
  if (v('t-serial')) body.equipment.serial = v('t-serial');
  if (state.selected) {
    const f = { id: state.selected.id };
    if (typeof state.selected.score === 'number') f.confidence = Math.max(0, Math.min(1, state.selected.score));
    body.faults.push(f);
  }
  return body;
}

async function onSubmitTicket(ev) {
  ev.preventDefault();
  if (state.submitting) return; // a double click sends once (and the key makes a retry safe)
  state.submitting = true;
  renderForm();
  try {
    const ticket = await api('/api/tickets', { method: 'POST', body: ticketBody(), headers: { 'Idempotency-Key': state.idempotencyKey } });
    state.ticket = ticket;
    state.submitting = false;
    state.formOpen = false;
    $('ticket-section').hidden = true;
    $('action-bar').hidden = false;
    renderTicketDone();
    renderDetails();
    renderActions();
    const done = $('ticket-done');
    done.hidden = false;
    $('details-scroll').scrollTop = 0;
    done.focus();
    announce(t('msgTicket', { number: ticket.number }));
  } catch (err) {
    state.submitting = false;
    renderForm();
    if (err instanceof ApiError && err.kind === 'invalid_request') {
      showFieldErrors(err.issues);
    } else {
      handleError(err, (message) => {
        clearFieldErrors();
        const box = $('form-error');
        box.textContent = message;
        box.hidden = false;
      });
    }
  }
}

function renderTicketDone() {
  const ticket = state.ticket;
  if (!ticket) {
    $('ticket-done').hidden = true;
    return;
  }
  $('ticket-number').textContent = t('ticketNumber', { number: ticket.number });
  const created = Date.parse(ticket.createdAt);
  const hours = (name) => {
    const c = ticket.sla?.clocks?.find((x) => x.name === name);
    return c ? Math.round((Date.parse(c.dueAt) - created) / 3_600_000) : '?';
  };
  $('ticket-promise').textContent = t('promise', { respond: hours('respond'), onSite: hours('on_site'), fixed: hours('fixed') });
}

function newCall() {
  window.clearTimeout(state.debounceTimer);
  window.clearTimeout(state.retryTimer);
  state.debounceTimer = 0;
  state.retryTimer = 0;
  state.suggestSeq++;
  state.faultSeq++;
  state.inFlight = 0;
  state.searchProblem = '';
  state.shown = null;
  state.selected = null;
  state.viewed = [];
  state.ticks = new Map();
  state.scriptLang = null;
  state.ticket = null;
  state.outcomeFor = null;
  state.gapReportedFor = null;
  state.lastAnnounced = '';
  state.focusListOnResults = false;
  state.formOpen = false;
  $('action-bar').hidden = false;
  for (const id of ['t-customer', 't-site', 't-contact', 't-phone', 't-model', 't-serial', 't-words']) /** @type {HTMLInputElement} */ ($(id)).value = '';
  /** @type {HTMLInputElement} */ ($('t-down')).checked = false;
  $('ticket-section').hidden = true;
  clearFieldErrors();
  /** @type {HTMLTextAreaElement} */ ($('caller-text')).value = '';
  /** @type {HTMLSelectElement} */ ($('line-filter')).value = '';
  setActionMsg('');
  renderSuggestions();
  renderTicketDone();
  renderDetails();
  renderActions();
}

// ---------------------------------------------------------------------------------------
// Sign-in

async function fetchMe() {
  const data = await api('/api/me');
  if (!data || typeof data.role !== 'string') throw new ApiError(-1, 'unexpected answer from /api/me');
  return data;
}

async function signIn(ev) {
  ev.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('api-key'));
  const key = input.value.trim();
  if (!key) {
    showAlert(t('errKeyRequired'));
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ ($('sign-in-button'));
  button.disabled = true;
  state.key = key;
  try {
    const me = await fetchMe();
    if (!STAFF_ROLES.has(me.role)) throw Object.assign(new Error('role'), { role: me.role });
    state.me = me;
  } catch (err) {
    state.key = null;
    state.me = null;
    input.setAttribute('aria-invalid', 'true');
    if (err && err.role) showAlert(t('errRole', { role: t(`role_${err.role}`) }));
    else if (err instanceof ApiError && (err.kind === 'unauthorized' || err.kind === 'forbidden')) showAlert(t('errSignIn', { error: err.message }));
    else showAlert(errorMessage(err));
    button.disabled = false;
    input.focus();
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  input.value = '';
  input.removeAttribute('aria-invalid');
  button.disabled = false;
  clearAlert();
  showPanel(true);
  announce(t('msgSignedIn'));
  $('caller-text').focus();
  if (callerText().trim()) void runSearch();
}

function signOut({ silent = false } = {}) {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  state.me = null;
  newCall();
  state.faults = new Map();
  showPanel(false);
  if (!silent) {
    clearAlert();
    announce(t('msgSignedOut'));
  }
  $('api-key').focus();
}

function showPanel(on) {
  $('sign-in').hidden = on;
  $('panel').hidden = !on;
  $('sign-out').hidden = !on;
  renderWhoami();
}

function renderWhoami() {
  const who = $('whoami');
  who.hidden = !state.me;
  who.textContent = state.me ? t('signedInAs', { role: `role_${state.me.role}` in STRINGS.en ? t(`role_${state.me.role}`) : state.me.role }) : '';
}

// ---------------------------------------------------------------------------------------
// Language

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t('title')} · ${state.lang === 'zh' ? '故障分诊' : 'Fault triage'}`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  const toggle = $('lang-toggle');
  toggle.textContent = t('langButton');
  toggle.setAttribute('lang', state.lang === 'zh' ? 'en' : 'zh');
  toggle.setAttribute('title', t('langButtonLabel'));
  renderWhoami();
  if (state.key) {
    renderSuggestions();
    renderDetails();
    if (state.formOpen) renderForm();
    renderTicketDone();
  }
}

function toggleLanguage() {
  state.lang = state.lang === 'zh' ? 'en' : 'zh';
  try {
    localStorage.setItem(LANG_STORAGE, state.lang);
  } catch {
    /* storage off: the choice lasts for this page */
  }
  applyLanguage();
}

function setScriptLang(lang) {
  state.scriptLang = lang;
  renderDetails();
  renderSuggestions();
}

// ---------------------------------------------------------------------------------------
// Wiring

function init() {
  let lang = null;
  try {
    lang = localStorage.getItem(LANG_STORAGE);
  } catch {
    /* ignore */
  }
  state.lang = lang === 'zh' || lang === 'en' ? lang : /^zh\b/i.test(navigator.language || '') ? 'zh' : 'en';
  applyLanguage();

  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut());
  $('lang-toggle').addEventListener('click', toggleLanguage);
  $('alert-dismiss').addEventListener('click', clearAlert);

  const area = $('caller-text');
  area.addEventListener('input', () => {
    if (!callerText().trim()) {
      void runSearch();
      return;
    }
    scheduleSearch();
  });
  area.addEventListener('keydown', onCallerKeydown);
  $('line-filter').addEventListener('change', () => void runSearch());
  $('suggestions').addEventListener('keydown', onListKeydown);
  $('new-call').addEventListener('click', () => {
    newCall();
    announce(t('msgNewCall'));
    $('caller-text').focus();
  });
  $('report-gap').addEventListener('click', onReportGap);
  $('resolved').addEventListener('click', onResolved);
  $('create-ticket').addEventListener('click', openForm);
  $('ticket-form').addEventListener('submit', onSubmitTicket);
  $('t-cancel').addEventListener('click', () => closeForm());
  $('read-en').addEventListener('click', () => setScriptLang('en'));
  $('read-zh').addEventListener('click', () => setScriptLang('zh'));

  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    if (!state.key) return;
    if (state.formOpen) {
      ev.preventDefault();
      closeForm();
      return;
    }
    const active = document.activeElement;
    if (active !== $('caller-text') && $('panel').contains(active)) {
      ev.preventDefault();
      $('caller-text').focus();
    }
  });

  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) {
    state.key = saved;
    showPanel(true);
    $('caller-text').focus();
    void (async () => {
      try {
        const me = await fetchMe();
        if (!STAFF_ROLES.has(me.role)) {
          signOut({ silent: true });
          showAlert(t('errRole', { role: t(`role_${me.role}`) }));
          return;
        }
        state.me = me;
        renderWhoami();
      } catch (err) {
        handleError(err);
      }
    })();
  } else {
    showPanel(false);
    $('api-key').focus();
  }
  renderSuggestions();
  renderActions();
}

init();

import type { ProductLineSummary, Suggestion } from '../../api/responses.js';
import { percent } from '../shared/format.js';
import { bi, lineLabel } from '../shared/manual.js';
import { LineOptions } from '../shared/ui.js';
import { reasonKey, strength } from './logic.js';
import type { SuggestSearch } from './search.js';
import type { PanelT } from './app.js';

/**
 * The left pane: the caller's words, the machine filter, the engine's answer (ranked
 * suggestions, an abstention with the weak candidates greyed, or "not a fault" for a
 * request of another kind). The list is keyed by fault id, so a re-render keeps the
 * focused suggestion focused.
 */
export function InputPane(props: {
  t: PanelT;
  lines: readonly ProductLineSummary[];
  text: string;
  line: string;
  search: SuggestSearch;
  selectedId: string | null;
  gapReported: boolean;
  busy: boolean;
  errorText: (e: unknown) => string;
  onText: (text: string) => void;
  onLine: (line: string) => void;
  onNewCall: () => void;
  onCallerKeyDown: (ev: KeyboardEvent) => void;
  onListKeyDown: (ev: KeyboardEvent) => void;
  onSelect: (s: Suggestion) => void;
  onReportGap: () => void;
}) {
  const { t, search } = props;
  const r = search.shown?.response;
  const results = r?.results ?? [];
  const intent = r?.intent;
  const abstain = Boolean(r?.abstain);
  return (
    <section class="pane input-pane" aria-labelledby="input-title">
      <h2 id="input-title" class="visually-hidden">
        {t('inputTitle')}
      </h2>
      <div class="caller-field">
        <label for="caller-text" class="caller-label">
          {t('callerLabel')}
        </label>
        <textarea
          id="caller-text"
          rows={5}
          maxLength={10000}
          spellcheck={false}
          autocomplete="off"
          aria-describedby="caller-help"
          value={props.text}
          onInput={(ev) => props.onText(ev.currentTarget.value)}
          onKeyDown={props.onCallerKeyDown}
        />
        <p id="caller-help" class="help">
          {t('callerHelp')}
        </p>
      </div>
      <div class="input-row">
        <div class="field">
          <label for="line-filter">{t('lineFilter')}</label>
          <select id="line-filter" value={props.line} onChange={(ev) => props.onLine(ev.currentTarget.value)}>
            <LineOptions t={t} lines={props.lines} first={t('anyLine')} />
          </select>
        </div>
        <button type="button" id="new-call" class="secondary" onClick={props.onNewCall}>
          {t('newCall')}
        </button>
      </div>
      <SearchState t={t} search={search} lines={props.lines} errorText={props.errorText} />

      <div id="abstain" class="abstain" hidden={!abstain}>
        <p class="abstain-title">{t('noMatch')}</p>
        <p id="abstain-reason" class="abstain-reason">
          {!abstain ? '' : intent ? t('reason_intent', { route: routeName(t, intent.route) }) : t(reasonKey(r?.reason))}
        </p>
        {abstain && r?.plausibleLines && r.plausibleLines.length > 1 && (
          <p id="plausible-lines" class="abstain-reason">
            {t('plausible', { lines: r.plausibleLines.map((c) => lineLabel(t, props.lines, c)).join(', ') })}
          </p>
        )}
        <p class="abstain-advice">{intent ? t('notFaultAdvice') : t('abstainAdvice')}</p>
        <div class="abstain-actions">
          <button type="button" id="report-gap" class="secondary" disabled={props.gapReported || props.busy} onClick={props.onReportGap}>
            {t('reportGap')}
          </button>
          <p id="gap-done" class="gap-done" hidden={!props.gapReported}>
            {props.gapReported ? t('gapReported') : ''}
          </p>
        </div>
      </div>

      <div class="suggestions-head">
        <h2 id="suggestions-title">{t('suggestionsTitle')}</h2>
        <p id="suggestions-note" class="suggestions-note">
          {abstain && results.length ? t('weakNote') : ''}
        </p>
      </div>
      <ol
        id="suggestions"
        class={`suggestions${abstain ? ' weak' : ''}`}
        aria-labelledby="suggestions-title"
        onKeyDown={props.onListKeyDown}
      >
        {results.map((s, i) => (
          <SuggestionItem
            key={s.id}
            t={t}
            s={s}
            index={i}
            weak={abstain}
            selected={props.selectedId === s.id}
            lines={props.lines}
            onSelect={props.onSelect}
          />
        ))}
      </ol>
      <p id="suggestions-empty" class="empty" hidden={results.length > 0}>
        {t('suggestionsEmpty')}
      </p>
    </section>
  );
}

function SuggestionItem(props: {
  t: PanelT;
  s: Suggestion;
  index: number;
  weak: boolean;
  selected: boolean;
  lines: readonly ProductLineSummary[];
  onSelect: (s: Suggestion) => void;
}) {
  const { t, s } = props;
  const level = strength(s.score);
  return (
    <li>
      <button
        type="button"
        class={`sg${props.selected ? ' selected' : ''}${props.weak ? ' weak' : ''}`}
        data-id={s.id}
        data-index={props.index}
        aria-current={props.selected ? 'true' : undefined}
        onClick={() => props.onSelect(s)}
      >
        <span class="sg-head">
          <span class="sg-rank" aria-hidden="true">
            {props.index + 1}
          </span>
          <span class="sg-id">{s.id}</span>
          <span class="sg-title">{bi(s.title, t.lang)}</span>
          {props.selected && <span class="sg-selected">{t('selectedTag')}</span>}
        </span>
        <span class={`sg-conf conf-${level}`}>
          <span class="sg-level">{t(level)}</span>
          <span class="sg-pct">{percent(s.score)}</span>
          <meter class="sg-meter" min={0} max={1} low={0.5} high={0.8} optimum={1} value={s.score} aria-hidden="true" />
        </span>
        <span class="sg-matched">{t('matched', { text: s.matchedPhrasing })}</span>
        <span class="sg-meta">
          <span>{lineLabel(t, props.lines, s.productLine)}</span>
          <span class={`ss ss-${s.selfService}`}>{t(`ss_${s.selfService}`)}</span>
        </span>
      </button>
    </li>
  );
}

function SearchState(props: { t: PanelT; search: SuggestSearch; lines: readonly ProductLineSummary[]; errorText: (e: unknown) => string }) {
  const { t, search } = props;
  let text = '';
  let kind = '';
  if (search.retrying && search.rateLimitedUntil > Date.now()) {
    text = t('slowDown', { s: Math.max(1, Math.ceil((search.rateLimitedUntil - Date.now()) / 1000)) });
    kind = 'warn';
  } else if (search.problem) {
    text = search.problem.kind === 'issues' ? search.problem.text : props.errorText(search.problem.error);
    kind = 'warn';
  } else if (search.inFlight) {
    text = t('searching');
    kind = 'busy';
  } else if (search.shown) {
    const r = search.shown.response;
    const parts = [r.results.length ? t.plural('nResults', r.results.length) : t('noResults')];
    if (r.language === 'en' || r.language === 'zh') parts.push(t('callerLang', { lang: t(`lang_${r.language}`) }));
    if (r.detectedProductLine) parts.push(t('machineNamed', { line: lineLabel(t, props.lines, r.detectedProductLine) }));
    text = parts.join(' · ');
  }
  return (
    <p id="search-state" class={`search-state${kind ? ` ${kind}` : ''}`}>
      {text}
    </p>
  );
}

/** The desk a non-fault request goes to, in words (the route's own name if the page does not know it). */
export function routeName(t: PanelT, route: string): string {
  const key = `route_${route}`;
  return t.has(key) ? t.dynamic(key) : route;
}

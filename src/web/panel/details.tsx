import type { FaultEntry, ProductLineSummary } from '../../api/responses.js';
import type { Lang } from '../shared/i18n.js';
import { bi, langAttr, lineLabel } from '../shared/manual.js';
import { operatorSteps, technicianCauses, type TickResult } from './logic.js';
import type { PanelT } from './app.js';

/**
 * What to read to the caller: safety first (and, for a fault the caller must not
 * touch, the product line's stop-work instructions), then the caller's steps with
 * ticks, the technician-only steps apart, the parts and the grade. The manual's words
 * are shown in `lang` (the caller's language unless the agent switches it).
 */
export function FaultDetails(props: {
  t: PanelT;
  lines: readonly ProductLineSummary[];
  /** The chosen suggestion while its entry loads. */
  loading: { id: string } | null;
  fault: FaultEntry | null;
  hidden: boolean;
  lang: Lang;
  ticks: ReadonlyMap<string, TickResult>;
  onReadIn: (lang: Lang) => void;
  onTick: (key: string, result: TickResult | null) => void;
}) {
  const { t, fault, lang } = props;
  const la = langAttr(lang);
  const head = fault ?? props.loading;
  const stop = fault?.self_service === 'no';
  const steps = fault ? operatorSteps(fault) : [];
  const tech = fault ? technicianCauses(fault) : [];
  const stopWork = stop ? (fault?.stopWork?.[lang] ?? []) : [];
  return (
    <article id="details" class="details" hidden={props.hidden || !head} aria-labelledby="fault-title">
      <header class="fault-head">
        <div class="fault-head-main">
          <p id="fault-id" class="fault-id">
            {head?.id ?? ''}
          </p>
          {/* The title once the entry is here: tests and screen readers take a title as "loaded". */}
          <h2 id="fault-title" class="fault-title" tabIndex={-1} lang={la}>
            {fault ? bi(fault.title, lang) : ''}
          </h2>
          <p id="fault-meta" class="fault-meta">
            {fault && (
              <>
                <span>{lineLabel(t, props.lines, fault.product_line)}</span>
                <span>{t(`cat_${fault.category}`)}</span>
                <span class={`ss ss-${fault.self_service}`}>{t(`ss_${fault.self_service}`)}</span>
              </>
            )}
          </p>
        </div>
        <div class="read-in" role="group" aria-labelledby="read-in-label">
          <span id="read-in-label" class="read-in-label">
            {t('readIn')}
          </span>
          <button
            type="button"
            id="read-en"
            class="seg"
            lang="en"
            aria-pressed={lang === 'en' ? 'true' : 'false'}
            onClick={() => props.onReadIn('en')}
          >
            English
          </button>
          <button
            type="button"
            id="read-zh"
            class="seg"
            lang="zh"
            aria-pressed={lang === 'zh' ? 'true' : 'false'}
            onClick={() => props.onReadIn('zh')}
          >
            中文
          </button>
        </div>
      </header>

      <p id="details-loading" class="help" hidden={Boolean(fault) || !props.loading}>
        {t('loading')}
      </p>

      <div id="stop-banner" class="stop-banner" hidden={!stop}>
        <p class="stop-title">{t('stopTitle')}</p>
        <p class="stop-text">{t('stopText')}</p>
        {stopWork.length > 0 && (
          <>
            <p class="stop-work-title">{t('stopWorkTitle')}</p>
            <ol id="stop-work" class="stop-work" lang={la}>
              {stopWork.map((s, i) => (
                <li key={i}>{s}</li>
              ))}
            </ol>
          </>
        )}
      </div>

      <section id="safety" class="safety" aria-labelledby="safety-title" hidden={!fault}>
        <h3 id="safety-title">{t('safetyTitle')}</h3>
        <ul id="safety-list" class="safety-list">
          {(fault?.safety ?? []).map((s, i) => (
            <li key={i} lang={la}>
              {bi(s, lang)}
            </li>
          ))}
        </ul>
      </section>

      <section id="operator-section" class="operator-section" aria-labelledby="operator-title" hidden={!fault}>
        <h3 id="operator-title">{t('operatorTitle')}</h3>
        <p id="operator-note" class="help" hidden={fault?.self_service !== 'checks-only'}>
          {fault?.self_service === 'checks-only' ? t('checksOnlyNote') : ''}
        </p>
        <ol id="operator-steps" class="operator-steps" hidden={steps.length === 0}>
          {steps.map((s, i) => {
            const result = props.ticks.get(s.key) ?? null;
            const firstOfCause = i === 0 || steps[i - 1]!.causeIndex !== s.causeIndex;
            return (
              <li
                key={s.key}
                class={`step${result === 'fixed' ? ' is-fixed' : ''}${result === 'not-fixed' ? ' is-not-fixed' : ''}`}
                data-step-key={s.key}
              >
                {firstOfCause && (
                  <p class="step-cause" lang={la}>
                    {t('causeLabel', { n: s.causeIndex + 1, title: bi(s.cause.title, lang) })}
                  </p>
                )}
                <p class="step-body">
                  <span class={`step-kind kind-${s.kind}`}>{t(`kind_${s.kind}`)}</span>
                  <span class="step-text" lang={la}>
                    {bi(s.step, lang)}
                  </span>
                </p>
                <div class="ticks" role="group" aria-label={t('stepGroup', { n: i + 1 })}>
                  {(
                    [
                      ['fixed', 'tickFixed', 'tick-fixed'],
                      ['not-fixed', 'tickNotFixed', 'tick-not'],
                    ] as const
                  ).map(([value, label, cls]) => (
                    <button
                      key={value}
                      type="button"
                      class={`tick ${cls}`}
                      aria-pressed={result === value ? 'true' : 'false'}
                      title={result === value ? t('tickTitle') : undefined}
                      onClick={() => props.onTick(s.key, result === value ? null : value)}
                    >
                      {t(label)}
                    </button>
                  ))}
                </div>
              </li>
            );
          })}
        </ol>
        <p id="no-operator-steps" class="no-steps" hidden={!fault || steps.length > 0}>
          {t('noOperatorSteps')}
        </p>
        <p id="fixed-hint" class="fixed-hint" hidden={!steps.some((s) => props.ticks.get(s.key) === 'fixed')}>
          {t('fixedHint')}
        </p>
      </section>

      <section id="tech-section" class="tech-only" aria-labelledby="tech-title" hidden={tech.length === 0}>
        <h3 id="tech-title">{t('techTitle')}</h3>
        <p class="help">{t('techHelp')}</p>
        <ol id="tech-causes" class="tech-causes">
          {tech.map(({ cause, causeIndex, steps: ts }) => (
            // Numbered as in the manual (and in "Possible cause n" above), gaps and all.
            <li key={cause.id} class="tech-cause" value={causeIndex + 1}>
              <p class="tech-cause-title">
                <span lang={la}>{bi(cause.title, lang)}</span>
                <span class="tech-cause-meta"> {t('causeMeta', { cls: t(`class_${cause.class}`), grade: cause.grade })}</span>
              </p>
              <ul class="tech-steps">
                {ts.map((s) => (
                  <li key={s.key} data-step-key={s.key}>
                    <span class={`step-kind kind-${s.kind}`}>{t(`kind_${s.kind}`)}</span>
                    <span class="step-text" lang={la}>
                      {bi(s.step, lang)}
                    </span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      </section>

      <section id="parts-section" aria-labelledby="parts-title" hidden={!fault}>
        <h3 id="parts-title">{t('partsTitle')}</h3>
        <table id="parts-table" class="parts-table" hidden={!fault?.parts.length}>
          <thead>
            <tr>
              <th scope="col">{t('colCode')}</th>
              <th scope="col">{t('colPart')}</th>
              <th scope="col">{t('colStock')}</th>
            </tr>
          </thead>
          <tbody id="parts-rows">
            {(fault?.parts ?? []).map((p) => (
              <tr key={p.code}>
                <td class="code">{p.code}</td>
                <td lang={la}>{bi(p.name, lang)}</td>
                <td>{p.wear_part ? t('wearPart') : t('orderPart')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p id="no-parts" class="help" hidden={!fault || fault.parts.length > 0}>
          {t('noParts')}
        </p>
      </section>

      <section aria-labelledby="grade-title" hidden={!fault}>
        <h3 id="grade-title">{t('gradeTitle')}</h3>
        <dl id="grade-facts" class="facts">
          {fault && (
            <>
              <dt>{t('plannedGrade')}</dt>
              <dd class="grade">{fault.plannedGrade ?? '—'}</dd>
              <dt>{t('workload')}</dt>
              <dd>{fault.workloadCoefficient ?? '—'}</dd>
            </>
          )}
        </dl>
      </section>
    </article>
  );
}

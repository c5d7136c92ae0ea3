import type { ProductLineSummary } from '../../api/responses.js';
import { percent } from '../shared/format.js';
import { lineLabel } from '../shared/manual.js';
import { LineOptions } from '../shared/ui.js';
import { strength, type FormField, type FormValues, type StepTried } from './logic.js';
import type { PanelT } from './app.js';

export interface FormErrors {
  fields: Partial<Record<FormField, string>>;
  /** The message over the form (field errors' summary, or what went wrong). */
  general: string;
}

/**
 * The dispatch-ticket form, prefilled from the call: the chosen fault and its
 * confidence, the product line, the ticked steps; the agent adds customer, site,
 * contact and "machine down". Errors from the server come back next to their fields.
 */
export function TicketForm(props: {
  t: PanelT;
  lines: readonly ProductLineSummary[];
  open: boolean;
  values: FormValues;
  errors: FormErrors;
  selected: { id: string; title: string; score?: number; productLine: string } | null;
  tried: StepTried[];
  submitting: boolean;
  /** What the installed base knows about the serial typed (shown under the field). */
  machineNote?: string;
  onChange: (field: FormField, value: string | boolean) => void;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const { t, values, errors, selected } = props;
  const fieldProps = (id: FormField) => ({
    id,
    'aria-invalid': errors.fields[id] ? ('true' as const) : undefined,
  });
  const error = (id: FormField) => (
    <p id={`err-${id}`} class="field-error" hidden={!errors.fields[id]}>
      {errors.fields[id] ?? ''}
    </p>
  );
  const text = (
    id: Exclude<FormField, 't-down' | 't-line' | 't-words'>,
    label: string,
    max: number,
    type: 'text' | 'tel' = 'text',
    help?: string,
  ) => (
    <div class="form-field">
      <label for={id}>{label}</label>
      <input
        {...fieldProps(id)}
        type={type as 'text'}
        maxLength={max}
        autocomplete="off"
        aria-describedby={help ? `${id}-help err-${id}` : `err-${id}`}
        value={values[id]}
        onInput={(ev) => props.onChange(id, ev.currentTarget.value)}
      />
      {help && (
        <p id={`${id}-help`} class="help small">
          {help}
        </p>
      )}
      {error(id)}
    </div>
  );

  return (
    <section id="ticket-section" class="ticket-section" hidden={!props.open} aria-labelledby="ticket-form-title">
      <h2 id="ticket-form-title" tabIndex={-1}>
        {t('ticketFormTitle')}
      </h2>
      <form
        id="ticket-form"
        noValidate
        onSubmit={(ev) => {
          ev.preventDefault();
          props.onSubmit();
        }}
      >
        <p id="form-error" class="form-error" hidden={!errors.general} tabIndex={-1}>
          {errors.general}
        </p>
        <dl id="ticket-summary" class="facts ticket-summary">
          <dt>{t('sumFault')}</dt>
          <dd>{selected ? `${selected.id} ${selected.title}`.trim() : t('sumNoFault')}</dd>
          {selected && typeof selected.score === 'number' && (
            <>
              <dt>{t('sumConfidence')}</dt>
              <dd>{`${t(strength(selected.score))} ${percent(selected.score)}`}</dd>
            </>
          )}
          {selected && (
            <>
              <dt>{t('sumLine')}</dt>
              <dd>{lineLabel(t, props.lines, selected.productLine)}</dd>
            </>
          )}
          <dt>{t('sumSteps')}</dt>
          <dd>
            {props.tried.length ? (
              <ol class="tried">
                {props.tried.map((s, i) => (
                  <li key={i}>
                    <span lang="en">{s.step}</span>{' '}
                    <span class={`res res-${s.result}`}>{t(`res_${s.result as 'fixed' | 'not-fixed'}`)}</span>
                  </li>
                ))}
              </ol>
            ) : (
              t('sumNoSteps')
            )}
          </dd>
        </dl>

        {/* With a fault the line is the fault's; without one the agent picks it. */}
        <div class="form-field" id="f-line-field" hidden={Boolean(selected)}>
          <label for="t-line">{t('fLine')}</label>
          <select
            {...fieldProps('t-line')}
            aria-describedby="err-t-line"
            value={values['t-line']}
            onChange={(ev) => props.onChange('t-line', ev.currentTarget.value)}
          >
            <LineOptions t={t} lines={props.lines} first={t('chooseLine')} />
          </select>
          {error('t-line')}
        </div>

        <div class="form-field">
          <label for="t-words">{t('fWords')}</label>
          <textarea
            {...fieldProps('t-words')}
            rows={2}
            maxLength={10000}
            aria-describedby="err-t-words"
            value={values['t-words']}
            onInput={(ev) => props.onChange('t-words', ev.currentTarget.value)}
          />
          {error('t-words')}
        </div>

        <div class="form-grid">
          {text('t-customer', t('fCustomer'), 200)}
          {text('t-site', t('fSite'), 500)}
          {text('t-contact', t('fContact'), 200)}
          {text('t-phone', t('fPhone'), 40, 'tel', t('phoneHelp'))}
          {text('t-model', t('fModel'), 100)}
          {text('t-serial', t('fSerial'), 100, 'text', props.machineNote)}
        </div>

        <div class="form-field form-check">
          <input
            {...fieldProps('t-down')}
            type="checkbox"
            aria-describedby="err-t-down"
            checked={values['t-down']}
            onChange={(ev) => props.onChange('t-down', ev.currentTarget.checked)}
          />
          <label for="t-down">{t('fDown')}</label>
          {error('t-down')}
        </div>

        <div class="form-actions">
          <button type="submit" id="t-submit" disabled={props.submitting}>
            {props.submitting ? t('sending') : t('sendTicket')}
          </button>
          <button type="button" id="t-cancel" class="secondary" onClick={props.onCancel}>
            {t('cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

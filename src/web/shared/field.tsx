import type { Translator } from './i18n.js';
import type { CommonMessages } from './session.js';

/**
 * The technician's app: /tech (fault jobs, close-out) and /inspect (maintenance
 * inspections) are two screens of one app. They keep one sign-in (the same key in this
 * tab's sessionStorage: signing in or out on one does it for both) and show the same
 * navigation under the top bar.
 */
export const FIELD_SESSION = 'field.apiKey';

const SCREENS = [
  { id: 'jobs', href: '/tech', label: 'fieldNavJobs' },
  { id: 'inspections', href: '/inspect', label: 'fieldNavInspections' },
] as const;

export function FieldNav(props: {
  t: Translator<CommonMessages>;
  current: (typeof SCREENS)[number]['id'];
  counts?: Partial<Record<(typeof SCREENS)[number]['id'], number>>;
}) {
  const { t } = props;
  return (
    <nav class="field-nav" aria-label={t('fieldNav')}>
      <ul>
        {SCREENS.map((s) => {
          const n = props.counts?.[s.id];
          return (
            <li key={s.id}>
              <a href={s.href} aria-current={s.id === props.current ? 'page' : undefined}>
                {t(s.label)}
                {typeof n === 'number' && n > 0 && <span class="field-nav-count">{` (${n})`}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

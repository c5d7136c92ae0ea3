import type { ComponentChildren, RefObject } from 'preact';
import { useCallback, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { MeResponse, ProductLineSummary } from '../../api/responses.js';
import { lineLabel } from './manual.js';
import type { Issue } from './api.js';
import type { Translator } from './i18n.js';
import { roleName, type CommonMessages, type SignInResult, type useSession } from './session.js';

/**
 * The parts every staff page has: skip link and top bar (title, who is signed in,
 * language, sign out), the sign-in form, the alert, the polite status region. All
 * text is rendered as text (Preact sets textContent), never as HTML.
 */

type T = Translator<CommonMessages>;

export function TopBar(props: {
  t: T;
  title: string;
  me: MeResponse | null;
  signedIn: boolean;
  onToggleLang: () => void;
  onSignOut: () => void;
  children?: ComponentChildren;
}) {
  const { t, me } = props;
  const role = me ? roleName(t, me.role) : '';
  return (
    <>
      <a class="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header class="topbar">
        <h1>{props.title}</h1>
        {props.children}
        <div class="topbar-actions">
          <p id="whoami" class="whoami" hidden={!me}>
            {me ? (me.technicianId ? t('signedInAsTech', { role, tech: me.technicianId }) : t('signedInAs', { role })) : ''}
          </p>
          <button
            type="button"
            id="lang-toggle"
            class="secondary"
            lang={t.lang === 'zh' ? 'en' : 'zh'}
            title={t('langButtonLabel')}
            onClick={props.onToggleLang}
          >
            {t('langButton')}
          </button>
          <button type="button" id="sign-out" class="secondary" hidden={!props.signedIn} onClick={props.onSignOut}>
            {t('signOut')}
          </button>
        </div>
      </header>
    </>
  );
}

/** The API-key form. `submit` resolves to false when the key was refused (the field is then marked and focused). */
export function SignIn(props: {
  t: T;
  hidden: boolean;
  help: string;
  submit: (key: string) => Promise<boolean>;
  onEmpty: () => void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const { t } = props;
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const onSubmit = async (ev: Event) => {
    ev.preventDefault();
    const input = props.inputRef.current!;
    const key = input.value.trim();
    if (!key) {
      props.onEmpty();
      setInvalid(true);
      input.focus();
      return;
    }
    setBusy(true);
    const ok = await props.submit(key);
    setBusy(false);
    setInvalid(!ok);
    if (ok) input.value = '';
    else input.focus();
  };
  return (
    <section id="sign-in" class="sign-in" aria-labelledby="sign-in-title" hidden={props.hidden}>
      <h2 id="sign-in-title">{t('signInTitle')}</h2>
      <form id="sign-in-form" noValidate onSubmit={(ev) => void onSubmit(ev)}>
        <label for="api-key">{t('apiKey')}</label>
        <input
          ref={props.inputRef}
          id="api-key"
          name="apiKey"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          aria-describedby="api-key-help"
          aria-invalid={invalid ? 'true' : undefined}
        />
        <p id="api-key-help" class="help">
          {props.help}
        </p>
        <button type="submit" id="sign-in-button" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
    </section>
  );
}

/**
 * The sign-in form of a page that keeps its key in a session (roster, technician view):
 * an empty field, a refused key and a role the page does not serve become the sign-in
 * alert; `onSignedIn` gets who signed in.
 */
export function SessionSignIn(props: {
  t: T;
  hidden: boolean;
  help: string;
  inputRef: RefObject<HTMLInputElement | null>;
  signIn: (key: string) => Promise<SignInResult>;
  setAlert: (alert: AlertState) => void;
  onSignedIn: (me: MeResponse) => void;
}) {
  const { t, setAlert } = props;
  return (
    <SignIn
      t={t}
      hidden={props.hidden}
      help={props.help}
      inputRef={props.inputRef}
      onEmpty={() => setAlert({ message: t('errKeyRequired'), source: 'signin' })}
      submit={async (k) => {
        const r = await props.signIn(k);
        if (!r.ok) {
          setAlert({
            message: 'role' in r.error ? t('err403', { error: r.error.role }) : t('errSignIn', { error: r.error.message }),
            source: 'signin',
          });
          return false;
        }
        props.onSignedIn(r.me);
        return true;
      }}
    />
  );
}

/**
 * Sign-in for a page that loads its data once signed in (inspections, reports): when the
 * page opens, the stored key is checked and the data loaded (with no key, the key field
 * is focused); the returned `submit`, for the SignIn form, shows a refused key or a role
 * the page does not serve (`roleMessage`) as the sign-in alert, and loads on success.
 */
export function useSignInThenLoad(opts: {
  t: T;
  session: Pick<ReturnType<typeof useSession>, 'signIn' | 'loadMe' | 'allowed' | 'keyRef'>;
  setAlert: (alert: AlertState | null) => void;
  roleMessage: (role: MeResponse['role']) => string;
  load: () => Promise<unknown>;
  onError: (err: unknown) => void;
}): (key: string) => Promise<boolean> {
  const { t, session, setAlert } = opts;
  useLayoutEffect(() => {
    if (!session.keyRef.current) return void document.getElementById('api-key')?.focus();
    void session.loadMe().then((m) => (m && session.allowed(m) ? opts.load() : undefined), opts.onError);
  }, []);
  return async (key: string): Promise<boolean> => {
    const r = await session.signIn(key);
    if (!r.ok) {
      const e = r.error;
      setAlert({ message: 'role' in e ? opts.roleMessage(e.role) : t('errSignIn', { error: e.message }), source: 'signin' });
      return false;
    }
    setAlert(null);
    await opts.load();
    return true;
  };
}

export interface AlertState {
  message: string;
  issues?: Issue[];
  /** Offer "reload" (the board, after a version conflict). */
  reload?: boolean;
  /** What raised it: a later successful refresh clears only refresh alerts. */
  source: string;
}

export function Alert(props: { t: T; alert: AlertState | null; onDismiss: () => void; reload?: { label: string; onReload: () => void } }) {
  const { alert } = props;
  const issues = alert?.issues ?? [];
  return (
    <div id="alert" class="alert" role="alert" hidden={!alert}>
      <p id="alert-text">{alert?.message ?? ''}</p>
      <ul id="alert-issues" hidden={issues.length === 0}>
        {issues.map((i, n) => (
          <li key={n}>{i.field ? `${i.field}: ${i.message}` : i.message}</li>
        ))}
      </ul>
      <div class="alert-actions">
        {props.reload && (
          <button type="button" id="alert-reload" hidden={!alert?.reload} onClick={props.reload.onReload}>
            {props.reload.label}
          </button>
        )}
        <button type="button" id="alert-dismiss" class="secondary" onClick={props.onDismiss}>
          {props.t('dismiss')}
        </button>
      </div>
    </div>
  );
}

export function StatusRegion(props: { message: string }) {
  return (
    <p id="status-msg" class="visually-hidden" role="status" aria-live="polite">
      {props.message}
    </p>
  );
}

/**
 * Focus for after the next render: `focus('t-customer')` moves the focus once the
 * element is on screen (a hidden element cannot take it).
 */
export function useFocusAfterRender(): (id: string) => void {
  const pending = useRef<string | null>(null);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    const id = pending.current;
    if (!id) return;
    pending.current = null;
    document.getElementById(id)?.focus();
  });
  return useCallback((id: string) => {
    pending.current = id;
    bump(0);
  }, []);
}

const tickers = new Set<() => void>();
let tickTimer: ReturnType<typeof setInterval> | undefined;

/**
 * Re-renders the calling component every second (one interval for the whole page,
 * running only while something shows a live time): countdowns without re-rendering
 * the page around them.
 */
export function useSecondTick(): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    const listener = () => bump(0);
    tickers.add(listener);
    tickTimer ??= setInterval(() => tickers.forEach((l) => l()), 1000);
    return () => {
      tickers.delete(listener);
      if (tickers.size === 0) {
        clearInterval(tickTimer);
        tickTimer = undefined;
      }
    };
  }, []);
}

/**
 * State that async work (timers, answers arriving later) reads through `ref.current`,
 * so a callback never acts on the value of the render that created it.
 */
export function useRefState<T>(initial: T): [T, (v: T) => void, { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((v: T) => {
    ref.current = v;
    setValue(v);
  }, []);
  return [value, set, ref];
}

/** The product lines of the manual (GET /api/faults) as <option>s, after a first "any"/"choose" option. */
export function LineOptions(props: { t: T; lines: readonly ProductLineSummary[]; first: string }) {
  return (
    <>
      <option value="">{props.first}</option>
      {props.lines.map((l) => (
        <option key={l.code} value={l.code}>
          {lineLabel(props.t, props.lines, l.code)}
        </option>
      ))}
    </>
  );
}

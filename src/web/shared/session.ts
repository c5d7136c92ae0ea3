import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { MeResponse } from '../../api/responses.js';
import { Api, ApiError } from './api.js';
import { languageOf, translator, type Catalogue, type Lang, type Translator } from './i18n.js';
import type { COMMON } from './text.js';

/**
 * Sign-in, session and language, shared by every staff page. The API key lives in this
 * tab's sessionStorage only (forgotten on sign-out or when the tab closes); the
 * language choice in localStorage, one for all staff pages.
 */

const LANG_STORAGE = 'staff.lang';

function stored(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null; // storage switched off: nothing kept
  }
}
function store(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    /* storage switched off: the choice lasts for this page */
  }
}

export type CommonMessages = typeof COMMON.en;

/** The page's language, its translator and the toggle; `messages` is the page's catalogue combined with COMMON. */
export function useLanguage<E extends CommonMessages>(messages: Catalogue<E>, title: (t: Translator<E>) => string) {
  const [lang, setLang] = useState<Lang>(() => {
    const saved = stored(() => localStorage, LANG_STORAGE);
    return saved === 'en' || saved === 'zh' ? saved : languageOf(navigator.language);
  });
  const t = useMemo(() => translator(messages, lang), [messages, lang]);
  // Set before the first paint, so screen readers and Playwright see the right language at once.
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${title(t)} · ${t.dynamic('appName')}`;
  const toggle = useCallback(() => {
    setLang((l) => {
      const next: Lang = l === 'zh' ? 'en' : 'zh';
      store(() => localStorage, LANG_STORAGE, next);
      return next;
    });
  }, []);
  return { lang, t, toggle };
}

export type SignInResult = { ok: true; me: MeResponse } | { ok: false; error: ApiError | { role: MeResponse['role'] } };

/**
 * The signed-in key and who it belongs to (GET /api/me). `api` always sends the
 * current key. `roles` limits who may use the page.
 */
export function useSession(storageKey: string, roles?: readonly MeResponse['role'][]) {
  const keyRef = useRef<string | null>(null);
  const [key, setKeyState] = useState<string | null>(() => (keyRef.current = stored(() => sessionStorage, storageKey)));
  const [me, setMe] = useState<MeResponse | null>(null);
  const api = useMemo(() => new Api(() => keyRef.current), []);
  const setKey = (k: string | null) => {
    keyRef.current = k;
    setKeyState(k);
  };

  const allowed = (m: MeResponse) => !roles || roles.includes(m.role);

  /** GET /api/me for the current key; false when the key changed meanwhile. */
  const loadMe = useCallback(async (): Promise<MeResponse | null> => {
    const asked = keyRef.current;
    const m = await api.me();
    if (keyRef.current !== asked) return null;
    setMe(m);
    return m;
  }, [api]);

  const signIn = useCallback(
    async (candidate: string): Promise<SignInResult> => {
      keyRef.current = candidate;
      try {
        const m = await api.me();
        if (!allowed(m)) {
          keyRef.current = null;
          return { ok: false, error: { role: m.role } };
        }
        store(() => sessionStorage, storageKey, candidate);
        setKey(candidate);
        setMe(m);
        return { ok: true, me: m };
      } catch (err) {
        keyRef.current = null;
        return { ok: false, error: ApiError.from(err) };
      }
    },
    [api, storageKey],
  );

  const signOut = useCallback(() => {
    store(() => sessionStorage, storageKey, null);
    setKey(null);
    setMe(null);
  }, [storageKey]);

  return { key, me, api, signIn, signOut, loadMe, allowed, keyRef };
}

/** A polite live region's text: a repeated message is announced again (cleared first). */
export function useAnnouncer(): [string, (message: string) => void] {
  const [message, setMessage] = useState('');
  const timer = useRef(0);
  const announce = useCallback((m: string) => {
    setMessage('');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setMessage(m), 50);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return [message, announce];
}

/** Role names for "Signed in as …". */
export function roleName(t: Translator<CommonMessages>, role: string): string {
  return t.has(`role_${role}`) ? t.dynamic(`role_${role}`) : role;
}

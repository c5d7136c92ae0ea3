import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MeResponse, ProductLineSummary, TechnicianList, TechnicianView } from '../../api/responses.js';
import { ApiError } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import { useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SessionSignIn, StatusRegion, TopBar, type AlertState } from '../shared/ui.js';
import { ROSTER } from './text.js';

/**
 * The technician roster for admins (dispatch and agents read it): who may be assigned,
 * trained for which lines, where they are based; deactivating someone takes them off
 * assignment and locks their API key out. Writes go through /api/technicians.
 */

interface Form {
  id: string;
  name: string;
  phone: string;
  skills: string[];
  region: string;
  lat: string;
  lon: string;
  active: boolean;
}
const EMPTY: Form = { id: '', name: '', phone: '', skills: [], region: '', lat: '', lon: '', active: true };

function App() {
  const { t, toggle } = useLanguage(ROSTER, (tt) => tt('pageTitle'));
  const session = useSession('roster.apiKey', ['admin', 'dispatcher', 'agent']);
  const { api } = session;
  const [status, announce] = useAnnouncer();
  const keyInput = useRef<HTMLInputElement>(null);
  const [alert, setAlert] = useState<AlertState | null>(null);
  const [me, setMe] = useState<MeResponse | null>(null);
  const [list, setList] = useState<TechnicianList['technicians']>([]);
  const [lines, setLines] = useState<ProductLineSummary[]>([]);
  const [form, setForm] = useState<Form>(EMPTY);
  const [editing, setEditing] = useState<TechnicianView | null>(null);

  const report = (err: unknown) => {
    const e = ApiError.from(err);
    setAlert({ message: errorMessage(t, e), issues: e.issues, source: 'action' });
  };
  const load = async () => {
    try {
      setList((await api.request<TechnicianList>('/api/technicians')).technicians);
    } catch (err) {
      report(err);
    }
  };
  useEffect(() => {
    if (!session.key) return;
    void (async () => {
      try {
        setMe(await session.loadMe());
        setLines((await api.faults()).productLines);
        await load();
      } catch (err) {
        report(err);
      }
    })();
  }, [session.key]);

  const admin = me?.role === 'admin';
  const startEdit = (tech: TechnicianView) => {
    setEditing(tech);
    setForm({
      id: tech.id,
      name: tech.name,
      phone: tech.phone,
      skills: [...tech.skills],
      region: tech.region,
      lat: tech.base ? String(tech.base.lat) : '',
      lon: tech.base ? String(tech.base.lon) : '',
      active: tech.active,
    });
    requestAnimationFrame(() => document.getElementById('r-name')?.focus());
  };
  const save = async (ev: Event) => {
    ev.preventDefault();
    const base = form.lat.trim() && form.lon.trim() ? { base: { lat: Number(form.lat), lon: Number(form.lon) } } : {};
    const fields = { name: form.name, phone: form.phone, skills: form.skills, region: form.region, active: form.active, ...base };
    try {
      const saved = editing
        ? await api.request<TechnicianView>(`/api/technicians/${encodeURIComponent(editing.id)}`, {
            method: 'PUT',
            body: { ...fields, expectedVersion: editing.version },
          })
        : await api.request<TechnicianView>('/api/technicians', { method: 'POST', body: { id: form.id, ...fields } });
      setAlert(null);
      setEditing(null);
      setForm(EMPTY);
      announce(t('msgSaved', { id: saved.id }));
      await load();
    } catch (err) {
      report(err);
    }
  };
  const setActive = async (tech: TechnicianView, active: boolean) => {
    try {
      await api.request(`/api/technicians/${encodeURIComponent(tech.id)}`, {
        method: 'PATCH',
        body: { active, expectedVersion: tech.version },
      });
      announce(t('msgSaved', { id: tech.id }));
      await load();
    } catch (err) {
      report(err);
    }
  };

  const signedIn = Boolean(session.key && me);
  return (
    <>
      <TopBar
        t={t}
        title={t('pageTitle')}
        me={me}
        signedIn={signedIn}
        onToggleLang={toggle}
        onSignOut={() => (session.signOut(), setMe(null))}
      />
      <main id="main" tabIndex={-1}>
        <Alert t={t} alert={alert} onDismiss={() => setAlert(null)} />
        <SessionSignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          signIn={session.signIn}
          setAlert={setAlert}
          onSignedIn={setMe}
        />
        {signedIn && (
          <>
            <section aria-labelledby="list-title">
              <h2 id="list-title">{t('listTitle')}</h2>
              <div class="table-wrap">
                <table id="roster">
                  <thead>
                    <tr>
                      {(['colId', 'colName', 'colPhone', 'colSkills', 'colRegion', 'colJobs', 'colActive'] as const).map((k) => (
                        <th key={k} scope="col">
                          {t(k)}
                        </th>
                      ))}
                      {admin && (
                        <th scope="col">
                          <span class="visually-hidden">{t('colActions')}</span>
                        </th>
                      )}
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((tech) => (
                      <tr key={tech.id} class={tech.active ? '' : 'inactive'}>
                        <th scope="row">{tech.id}</th>
                        <td>{tech.name}</td>
                        <td>{tech.phone}</td>
                        <td>{tech.skills.join(', ')}</td>
                        <td>{tech.region}</td>
                        <td>{tech.openJobs}</td>
                        <td>{tech.active ? t('yes') : t('no')}</td>
                        {admin && (
                          <td class="row-actions">
                            <button type="button" class="secondary" onClick={() => startEdit(tech)}>
                              {t('edit', { id: tech.id })}
                            </button>
                            <button type="button" class="secondary" onClick={() => void setActive(tech, !tech.active)}>
                              {tech.active ? t('deactivate', { id: tech.id }) : t('activate', { id: tech.id })}
                            </button>
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            {!admin && <p class="muted">{t('readOnly')}</p>}
            {admin && (
              <form class="roster-form" aria-labelledby="form-title" onSubmit={(e) => void save(e)} noValidate>
                <h2 id="form-title">{editing ? t('formEdit', { id: editing.id }) : t('formAdd')}</h2>
                {!editing && (
                  <>
                    <label for="r-id">{t('fId')}</label>
                    <input
                      id="r-id"
                      value={form.id}
                      maxLength={32}
                      autocomplete="off"
                      onInput={(e) => setForm({ ...form, id: (e.target as HTMLInputElement).value })}
                    />
                  </>
                )}
                <label for="r-name">{t('fName')}</label>
                <input
                  id="r-name"
                  value={form.name}
                  maxLength={200}
                  onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })}
                />
                <label for="r-phone">{t('fPhone')}</label>
                <input
                  id="r-phone"
                  type="tel"
                  value={form.phone}
                  maxLength={40}
                  onInput={(e) => setForm({ ...form, phone: (e.target as HTMLInputElement).value })}
                />
                <fieldset>
                  <legend>{t('fSkills')}</legend>
                  {lines.map((l) => (
                    <label key={l.code} class="check">
                      <input
                        type="checkbox"
                        checked={form.skills.includes(l.code)}
                        onChange={(e) =>
                          setForm({
                            ...form,
                            skills: (e.target as HTMLInputElement).checked
                              ? [...form.skills, l.code]
                              : form.skills.filter((s) => s !== l.code),
                          })
                        }
                      />{' '}
                      {`${l.code} · ${t.lang === 'zh' ? l.name.zh : l.name.en}`}
                    </label>
                  ))}
                </fieldset>
                <label for="r-region">{t('fRegion')}</label>
                <input
                  id="r-region"
                  value={form.region}
                  maxLength={100}
                  onInput={(e) => setForm({ ...form, region: (e.target as HTMLInputElement).value })}
                />
                <label for="r-lat">{t('fLat')}</label>
                <input
                  id="r-lat"
                  inputMode="decimal"
                  value={form.lat}
                  onInput={(e) => setForm({ ...form, lat: (e.target as HTMLInputElement).value })}
                />
                <label for="r-lon">{t('fLon')}</label>
                <input
                  id="r-lon"
                  inputMode="decimal"
                  value={form.lon}
                  onInput={(e) => setForm({ ...form, lon: (e.target as HTMLInputElement).value })}
                />
                <label class="check">
                  <input
                    type="checkbox"
                    checked={form.active}
                    onChange={(e) => setForm({ ...form, active: (e.target as HTMLInputElement).checked })}
                  />{' '}
                  {t('fActive')}
                </label>
                <div class="row-actions">
                  <button type="submit">{t('save')}</button>
                  {editing && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => {
                        setEditing(null);
                        setForm(EMPTY);
                      }}
                    >
                      {t('cancelEdit')}
                    </button>
                  )}
                </div>
              </form>
            )}
          </>
        )}
      </main>
      <StatusRegion message={status} />
    </>
  );
}

render(<App />, document.body);

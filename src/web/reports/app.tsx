import type { Chart as ChartJs, ChartConfiguration } from 'chart.js';
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { HandoffPickupReport } from '../../api/handoffs.js';
import type {
  GapTrendReport,
  InspectionComplianceReport,
  ProductLineSummary,
  ScheduleResponse,
  SelfServiceReport,
  SlaReport,
  WorkloadReport,
} from '../../api/responses.js';
import { ApiError, type Api } from '../shared/api.js';
import { errorMessage } from '../shared/errors.js';
import type { Translator } from '../shared/i18n.js';
import { useAnnouncer, useLanguage, useSession } from '../shared/session.js';
import { Alert, SignIn, StatusRegion, TopBar, useRefState, useSignInThenLoad, type AlertState } from '../shared/ui.js';
import { REPORTS } from './text.js';

/**
 * The reports page: seven plots drawn by Chart.js (its UMD bundle from the npm package,
 * served by this server as /reports/chart.js). Every plot is drawn from one table, and
 * the same table is the accessible data table under the plot and the CSV download, so
 * what is downloaded is exactly what is drawn.
 */

type T = Translator<typeof REPORTS.en>;
type Cell = string | number | null;
interface Table {
  /** Stable column names (the CSV header, whatever the page's language); line codes stay codes. */
  columns: string[];
  rows: Cell[][];
}
interface Data {
  sla: SlaReport;
  workload: WorkloadReport;
  self: SelfServiceReport;
  gaps: GapTrendReport;
  inspections: InspectionComplianceReport;
  schedule: ScheduleResponse;
  pickup: HandoffPickupReport;
  lines: ProductLineSummary[];
}
type Series = { label: string; data: (number | null)[] };
interface Plot {
  kind: 'bar' | 'line';
  stacked?: boolean;
  percent?: boolean;
  labels: string[];
  series: Series[];
}
interface Report {
  id: string;
  title: keyof typeof REPORTS.en;
  caption: keyof typeof REPORTS.en;
  table: (d: Data, line: (code: string) => string) => Table;
  plot: (tb: Table, t: T, line: (code: string) => string) => Plot;
}

const CLOCKS = ['respond', 'on_site', 'fixed', 'follow_up'] as const;
/** Okabe–Ito, colour-blind safe; the yellow darkened for contrast on white. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#7a6a00', '#56B4E9', '#333333'];
const pct = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 1000) / 10);
const col = (t: T, name: string) => (t.has(`col_${name}`) ? t.dynamic(`col_${name}`) : name);
const numbers = (tb: Table, i: number) => tb.rows.map((r) => r[i] as number | null);
const labels = (tb: Table) => tb.rows.map((r) => String(r[0]));

const PLOTS: Report[] = [
  {
    id: 'sla',
    title: 'slaTitle',
    caption: 'slaCaption',
    table: (d, line) => ({
      columns: ['line', ...CLOCKS],
      rows: d.sla.productLines.map((l) => [line(l.productLine), ...CLOCKS.map((c) => pct(l.clocks[c].compliance))]),
    }),
    plot: (tb, t) => ({
      kind: 'bar',
      percent: true,
      labels: labels(tb),
      series: CLOCKS.map((c, i) => ({ label: col(t, c), data: numbers(tb, i + 1) })),
    }),
  },
  {
    id: 'workload',
    title: 'workloadTitle',
    caption: 'workloadCaption',
    table: (d) => ({
      columns: ['technician', 'workload', 'tickets'],
      rows: d.workload.technicians.map((w) => [w.technicianId, w.workload, w.tickets]),
    }),
    plot: (tb, t) => ({ kind: 'bar', labels: labels(tb), series: [{ label: col(t, 'workload'), data: numbers(tb, 1) }] }),
  },
  {
    id: 'self-service',
    title: 'selfTitle',
    caption: 'selfCaption',
    table: (d) => ({
      columns: ['month', 'selfService', 'abstention'],
      rows: d.self.months.map((m) => [m.month, pct(m.selfServiceRate), pct(m.abstentionRate)]),
    }),
    plot: (tb, t) => ({
      kind: 'line',
      percent: true,
      labels: labels(tb),
      series: [1, 2].map((i) => ({ label: col(t, tb.columns[i]!), data: numbers(tb, i) })),
    }),
  },
  {
    id: 'knowledge-gaps',
    title: 'gapsTitle',
    caption: 'gapsCaption',
    table: (d) => ({
      columns: ['month', 'opened', 'accepted', 'rejected'],
      rows: d.gaps.months.map((m) => [m.month, m.opened, m.accepted, m.rejected]),
    }),
    plot: (tb, t) => ({
      kind: 'bar',
      labels: labels(tb),
      series: [1, 2].map((i) => ({ label: col(t, tb.columns[i]!), data: numbers(tb, i) })),
    }),
  },
  {
    id: 'first-fault',
    title: 'firstTitle',
    caption: 'firstCaption',
    table: (d) => {
      const byLine = new Map<string, ScheduleResponse['proposals'][number]['schedule']['evidence']>();
      for (const p of d.schedule.proposals) if (!byLine.has(p.productLine)) byLine.set(p.productLine, p.schedule.evidence);
      // In the manual's order (GET /api/faults), so a line the manual adds is plotted too.
      const lines = d.lines.map((l) => l.code).filter((l) => byLine.has(l));
      const months = byLine.get(lines[0] ?? '')?.hazard.map((h) => h.month) ?? [];
      return {
        columns: ['ageMonth', ...lines],
        rows: months.map((m, i) => [m, ...lines.map((l) => pct(byLine.get(l)!.hazard[i]!.cumulative))]),
      };
    },
    plot: (tb, _t, line) => ({
      kind: 'line',
      percent: true,
      labels: labels(tb),
      series: tb.columns.slice(1).map((l, i) => ({ label: line(l), data: numbers(tb, i + 1) })),
    }),
  },
  {
    id: 'inspections',
    title: 'inspTitle',
    caption: 'inspCaption',
    table: (d, line) => ({
      columns: ['line', 'onTime', 'late', 'missed', 'compliance'],
      rows: d.inspections.productLines
        .filter((l) => l.due > 0)
        .map((l) => [line(l.productLine), l.onTime, l.late, l.missed, pct(l.compliance)]),
    }),
    plot: (tb, t) => ({
      kind: 'bar',
      stacked: true,
      labels: labels(tb),
      series: [1, 2, 3].map((i) => ({ label: col(t, tb.columns[i]!), data: numbers(tb, i) })),
    }),
  },
  {
    id: 'pickup',
    title: 'pickupTitle',
    caption: 'pickupCaption',
    table: (d) => ({
      columns: ['month', 'median', 'p90', 'target', 'withinTarget', 'handoffs'],
      rows: d.pickup.months.map((m) => [
        m.month,
        m.pickupSeconds.median,
        m.pickupSeconds.p90,
        d.pickup.targetSeconds,
        pct(m.withinTargetShare),
        m.handoffs,
      ]),
    }),
    plot: (tb, t) => ({
      kind: 'line',
      labels: labels(tb),
      series: [1, 2, 3].map((i) => ({ label: col(t, tb.columns[i]!), data: numbers(tb, i) })),
    }),
  },
];

/** Chart.js's UMD bundle, loaded once as a plain script (allowed by script-src 'self'). */
let chartLib: Promise<typeof ChartJs> | undefined;
function loadChart(): Promise<typeof ChartJs> {
  chartLib ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/reports/chart.js';
    s.onload = () => resolve((globalThis as unknown as { Chart: typeof ChartJs }).Chart);
    s.onerror = () => reject(new Error('the chart library did not load'));
    document.head.append(s);
  });
  return chartLib;
}

function csv(tb: Table): string {
  const cell = (v: Cell) => {
    const s = v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [tb.columns.join(','), ...tb.rows.map((r) => r.map(cell).join(','))].join('\r\n') + '\r\n';
}

function download(name: string, tb: Table): void {
  // A byte-order mark, so spreadsheet programs read the Chinese names as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', csv(tb)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Figure(props: { t: T; report: Report; table: Table; plot: Plot }) {
  const { t, report, table, plot } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current || !table.rows.length) return;
    let chart: ChartJs | undefined;
    let gone = false;
    void loadChart().then((Chart) => {
      if (gone || !canvas.current) return;
      const config: ChartConfiguration = {
        type: plot.kind,
        data: {
          labels: plot.labels,
          datasets: plot.series.map((s, i) => ({
            label: s.label,
            data: s.data,
            backgroundColor: COLOURS[i % COLOURS.length],
            borderColor: COLOURS[i % COLOURS.length],
            borderWidth: plot.kind === 'line' ? 2 : 0,
            pointRadius: 2,
            spanGaps: true,
          })),
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
          scales: {
            x: { stacked: Boolean(plot.stacked) },
            y: { stacked: Boolean(plot.stacked), beginAtZero: true, ...(plot.percent ? { max: 100 } : {}) },
          },
        },
      };
      chart = new Chart(canvas.current, config);
    });
    return () => {
      gone = true;
      chart?.destroy();
    };
  }, [table, plot]);
  const title = t.dynamic(report.title);
  return (
    <figure class="report" id={`report-${report.id}`}>
      <header>
        <h3 id={`title-${report.id}`}>{title}</h3>
        <button
          type="button"
          class="secondary download"
          disabled={!table.rows.length}
          aria-label={t('downloadLabel', { title })}
          onClick={() => download(report.id, table)}
        >
          {t('download')}
        </button>
      </header>
      <figcaption>{t.dynamic(report.caption)}</figcaption>
      {table.rows.length === 0 ? (
        <p class="empty">{t('noData')}</p>
      ) : (
        <>
          <div class="chart-box">
            <canvas ref={canvas} role="img" aria-label={`${title}. ${t.dynamic(report.caption)}`} />
          </div>
          <details>
            <summary>{t('dataTable', { title })}</summary>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    {table.columns.map((c, i) => (
                      <th scope="col" key={c}>
                        {i === 0 || report.id !== 'first-fault' ? col(t, c) : plot.series[i - 1]?.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((r, i) => (
                    <tr key={i}>
                      {r.map((v, j) =>
                        j === 0 ? (
                          <th scope="row" key={j}>
                            {String(v)}
                          </th>
                        ) : (
                          <td key={j}>{v === null ? '–' : String(v)}</td>
                        ),
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </figure>
  );
}

async function loadData(api: Api): Promise<Data> {
  const now = new Date();
  const from = encodeURIComponent(new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth() + 1, 1)).toISOString());
  const get = <R,>(path: string) => api.request<R>(path);
  const [sla, workload, self, gaps, inspections, schedule, pickup, faults] = await Promise.all([
    get<SlaReport>(`/api/reports/sla?from=${from}`),
    get<WorkloadReport>(`/api/reports/workload?from=${from}`),
    get<SelfServiceReport>('/api/reports/self-service'),
    get<GapTrendReport>('/api/reports/knowledge-gaps'),
    get<InspectionComplianceReport>('/api/reports/inspections'),
    get<ScheduleResponse>('/api/inspections/schedule'),
    get<HandoffPickupReport>(`/api/reports/handoffs?from=${from}`),
    api.faults(),
  ]);
  return { sla, workload, self, gaps, inspections, schedule, pickup, lines: faults.productLines };
}

function App() {
  const { t, toggle } = useLanguage(REPORTS, (tt) => tt('pageTitle'));
  const session = useSession('reports.apiKey', ['dispatcher', 'admin']);
  const [status, announce] = useAnnouncer();
  const keyInput = useRef<HTMLInputElement>(null);
  const [alert, setAlert] = useRefState<AlertState | null>(null);
  const [data, setData] = useState<Data | null>(null);

  const report = (err: unknown) => {
    const e = ApiError.from(err);
    setAlert({ message: errorMessage(t, e, {}) || t('errLoad', { error: e.message }), source: 'load' });
  };

  async function refresh() {
    try {
      setData(await loadData(session.api));
      setAlert(null);
      announce(t('msgLoaded'));
      document.body.dataset.ready = 'true';
    } catch (err) {
      report(err);
    }
  }

  const signIn = useSignInThenLoad({ t, session, setAlert, roleMessage: (role) => t('errRole', { role }), load: refresh, onError: report });

  const line = (code: string) => {
    const l = data?.lines.find((x) => x.code === code);
    return l ? t('lineLabel', { code, name: l.name[t.lang] }) : code;
  };
  // Tables are rebuilt only when the data or the language change, so charts are not redrawn on every render.
  const figures = useMemo(
    () =>
      data
        ? PLOTS.map((r) => {
            const table = r.table(data, line);
            return { r, table, plot: r.plot(table, t, line) };
          })
        : [],
    [data, t],
  );
  const signedIn = session.key !== null;
  return (
    <>
      <TopBar
        t={t}
        title={t('pageTitle')}
        me={session.me}
        signedIn={signedIn}
        onToggleLang={toggle}
        onSignOut={() => (session.signOut(), setData(null), announce(t('msgSignedOut')))}
      />
      <Alert t={t} alert={alert} onDismiss={() => setAlert(null)} />
      <StatusRegion message={status} />
      <main id="main" tabIndex={-1}>
        <SignIn
          t={t}
          hidden={signedIn}
          help={t('apiKeyHelp')}
          inputRef={keyInput}
          submit={signIn}
          onEmpty={() => setAlert({ message: t('errKeyRequired'), source: 'signin' })}
        />
        <section id="reports" hidden={!signedIn} aria-labelledby="reports-title">
          <div class="toolbar">
            <h2 id="reports-title">{t('period')}</h2>
            <button type="button" id="refresh" class="secondary" onClick={() => void refresh()}>
              {t('refresh')}
            </button>
          </div>
          <div class="grid">
            {figures.map(({ r, table, plot }) => (
              <Figure key={r.id} t={t} report={r} table={table} plot={plot} />
            ))}
          </div>
        </section>
      </main>
    </>
  );
}

render(<App />, document.body);

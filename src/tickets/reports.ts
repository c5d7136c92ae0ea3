import { SLA_CLOCKS, type SlaClockName, type Ticket } from './model.js';
import { clockStates } from './sla.js';

export interface SlaComplianceRow {
  productLine: string;
  tickets: number;
  clocks: Record<SlaClockName, { onTime: number; late: number; breached: number; pending: number; compliance: number | null }>;
}

/**
 * SLA compliance per product line: of the clocks that are decided (met, met late, or
 * past due), the share met on time. Pending clocks are counted but not judged.
 */
export function slaCompliance(tickets: readonly Ticket[], now: Date = new Date()): SlaComplianceRow[] {
  const rows = new Map<string, SlaComplianceRow>();
  for (const t of tickets) {
    const line = t.equipment.productLine;
    let row = rows.get(line);
    if (!row) {
      row = {
        productLine: line,
        tickets: 0,
        clocks: Object.fromEntries(
          SLA_CLOCKS.map((c) => [c, { onTime: 0, late: 0, breached: 0, pending: 0, compliance: null }]),
        ) as SlaComplianceRow['clocks'],
      };
      rows.set(line, row);
    }
    row.tickets++;
    for (const c of clockStates(t, now)) {
      const cell = row.clocks[c.name];
      if (c.state === 'met') cell.onTime++;
      else if (c.state === 'met-late') cell.late++;
      else if (c.state === 'breached') cell.breached++;
      else if (c.state !== 'not-applicable') cell.pending++;
    }
  }
  for (const row of rows.values()) {
    for (const cell of Object.values(row.clocks)) {
      const decided = cell.onTime + cell.late + cell.breached;
      cell.compliance = decided === 0 ? null : Math.round((cell.onTime / decided) * 1000) / 1000;
    }
  }
  return [...rows.values()].sort((a, b) => a.productLine.localeCompare(b.productLine));
}

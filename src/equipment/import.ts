import type { ProductLines } from '../knowledge/product-lines.js';
import type { ServicePolicy } from '../knowledge/schema.js';
import type { CsvContent } from './csv.js';
import { CSV_COLUMNS, OPTIONAL_CSV_COLUMNS, rowSchema, warrantyEnd } from './model.js';
import type { MachineInput } from './store.js';

/** One thing wrong with an import file, located like a spreadsheet shows it. */
export interface ImportProblem {
  line: number;
  field: string;
  error: string;
}

/**
 * Checks a whole fleet file before anything is written: the header, every field of
 * every row, serials repeated within the file. Either every row is valid and the
 * machines are returned, or every problem is (so a dispatcher fixes the file once).
 */
export function validateFleetFile(
  csv: CsvContent,
  kb: { policy: ServicePolicy; productLines: ProductLines },
  today: string,
): { machines: MachineInput[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const [header, ...rows] = csv.records;
  if (!header) {
    problems.push({ line: 1, field: 'file', error: `the file is empty; the first line names the columns: ${CSV_COLUMNS.join(',')}` });
    return { machines: [], problems };
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const known = new Set<string>([...CSV_COLUMNS, ...OPTIONAL_CSV_COLUMNS]);
  names.forEach((n, i) => {
    if (!known.has(n))
      problems.push({ line: header.line, field: n || `column ${i + 1}`, error: `unknown column (known: ${[...known].join(', ')})` });
    else if (names.indexOf(n) !== i) problems.push({ line: header.line, field: n, error: 'column named twice' });
  });
  for (const c of CSV_COLUMNS) if (!names.includes(c)) problems.push({ line: header.line, field: c, error: 'required column missing' });
  if (problems.length) return { machines: [], problems };
  if (rows.length === 0 && !csv.syntaxError) problems.push({ line: header.line + 1, field: 'file', error: 'no machines below the header' });

  const schema = rowSchema(kb, today);
  const lineOfSerial = new Map<string, number>();
  const machines: MachineInput[] = [];
  for (const row of rows) {
    if (row.fields.length !== names.length) {
      problems.push({ line: row.line, field: 'row', error: `${row.fields.length} fields, the header has ${names.length}` });
      continue;
    }
    const parsed = schema.safeParse(Object.fromEntries(names.map((n, i) => [n, row.fields[i]])));
    if (!parsed.success) {
      // One problem per field: the first thing wrong with it is what to fix.
      const byField = new Map<string, string>();
      for (const issue of parsed.error.issues)
        if (!byField.has(String(issue.path[0] ?? 'row'))) byField.set(String(issue.path[0] ?? 'row'), issue.message);
      for (const [field, error] of byField) problems.push({ line: row.line, field, error });
      continue;
    }
    const r = parsed.data;
    const earlier = lineOfSerial.get(r.serial);
    if (earlier !== undefined) {
      problems.push({ line: row.line, field: 'serial', error: `serial ${r.serial} is already on line ${earlier}` });
      continue;
    }
    lineOfSerial.set(r.serial, row.line);
    const line = kb.productLines.line(r.product_line);
    machines.push({
      serial: r.serial,
      model: r.model,
      productLine: r.product_line,
      customer: r.customer,
      site: r.site,
      acceptedOn: r.accepted_on,
      warrantyMonths: r.warranty_months,
      warrantyEnd: warrantyEnd(r.accepted_on, r.warranty_months),
      contactPhone: r.contact_phone as string | undefined,
      plan: (r.plan as string | undefined) ?? line.service_tier,
      technicianId: r.technician as string | undefined,
    });
  }
  if (csv.syntaxError) problems.push({ line: csv.syntaxError.line, field: 'csv', error: csv.syntaxError.error });
  return { machines, problems };
}

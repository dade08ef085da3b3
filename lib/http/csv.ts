/**
 * Text a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @ and the tab
 * and carriage return that some spreadsheets strip before looking.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Rows as RFC 4180 CSV, the header from the first row's keys. Text cells that a spreadsheet
 * would evaluate get a leading apostrophe, which it shows as text; numbers stay numbers.
 */
export function toCsv(rows: Record<string, unknown>[]): string {
  const first = rows[0];
  if (!first) return "";
  const columns = Object.keys(first);
  const cell = (v: unknown) => {
    let text = v === null || v === undefined ? "" : String(v);
    if (typeof v === "string" && FORMULA_START.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `${[columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\r\n")}\r\n`;
}

export function csvResponse(rows: Record<string, unknown>[], filename: string): Response {
  return new Response(toCsv(rows), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
    },
  });
}

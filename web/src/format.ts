/** Display helpers: numbers, money, durations, times, and CSV. */

export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  return `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
}

/** Dollar strings stay exact; only trailing zeros beyond cents are dropped. */
export function formatDollars(value: string | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const negative = value.startsWith('-');
  const digits = negative ? value.slice(1) : value;
  const [whole = '0', fraction = ''] = digits.split('.');
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}$${whole}.${trimmed}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  // Swedish formatting is ISO-like (2026-12-06 05:52:40) in the viewer's own time zone.
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('sv-SE');
}

/**
 * A captured body for reading: JSON re-indented token by token (numbers and strings keep their exact text, which a
 * parse-and-stringify round trip would not for big integers), anything else (SSE, truncated bodies) as stored.
 */
export function formatBody(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value, null, 2);
  try {
    JSON.parse(value);
  } catch {
    return value;
  }
  let out = '';
  let depth = 0;
  const newline = () => `\n${'  '.repeat(depth)}`;
  for (let index = 0; index < value.length; index++) {
    const char = value.charAt(index);
    if (char === '"') {
      // A whole string literal, escapes included, copied as it is.
      let end = index + 1;
      while (value.charAt(end) !== '"') end += value.charAt(end) === '\\' ? 2 : 1;
      out += value.slice(index, end + 1);
      index = end;
    } else if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      let next = index + 1;
      while (/\s/.test(value.charAt(next))) next++;
      if (value.charAt(next) === close) {
        out += char + close;
        index = next;
      } else {
        depth++;
        out += char + newline();
      }
    } else if (char === '}' || char === ']') {
      depth--;
      out += newline() + char;
    } else if (char === ',') out += `,${newline()}`;
    else if (char === ':') out += ': ';
    else if (!/\s/.test(char)) out += char;
  }
  return out;
}

export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)}%`;
}

/** The value at quantile `q` (0–1) of unsorted numbers, nearest rank. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  return [
    columns.join(','),
    ...rows.map((row) => columns.map((column) => csvCell((row as Record<string, unknown>)[column])).join(',')),
  ].join('\r\n');
}

export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Output helpers of the admin commands: injectable streams (tests), aligned tables, JSON. */

export interface CliIo {
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  write?: (text: string) => void;
  writeError?: (text: string) => void;
}

export interface CliOutput {
  write(text: string): void;
  error(text: string): void;
  json(value: unknown): void;
  table(headers: string[], rows: (string | number | null | undefined)[][]): void;
}

export function cliOutput(io: CliIo): CliOutput {
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  const writeError = io.writeError ?? ((text: string) => process.stderr.write(text));
  return {
    write,
    error: (text) => writeError(`llamagate: ${text}\n`),
    json: (value) => write(`${JSON.stringify(value, null, 2)}\n`),
    table(headers, rows) {
      const cells = [
        headers,
        ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell)))),
      ];
      const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
      for (const row of cells) {
        write(
          `${row
            .map((cell, column) => cell.padEnd(widths[column] ?? 0))
            .join('  ')
            .trimEnd()}\n`,
        );
      }
    },
  };
}

/** The common options of the admin commands (for util.parseArgs). */
export const TARGET_OPTIONS = {
  config: { type: 'string', short: 'c' },
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TARGET_HELP = `Where (all commands):
  -c, --config <file>       YAML config (storage from DATABASE_URL, else LLAMAGATE_DATA_DIR)
      --url <url>           Act on a running gateway's admin API instead (default $LLAMAGATE_URL)
      --key <key>           Master key for --url (default $LLAMAGATE_MASTER_KEY, else $API_KEY)
      --json                Print JSON
`;

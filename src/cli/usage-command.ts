import { parseArgs } from 'node:util';
import type { UsageQuery } from '../server/billing/key-admin.js';
import { parseTime } from '../server/billing/key-views.js';
import type { UsageGroupBy } from '../storage/usage-ledger.js';
import { runOnAdminTarget } from './admin-target.js';
import { type CliIo, cliOutput, TARGET_HELP, TARGET_OPTIONS } from './cli-output.js';

export const USAGE_HELP = `Usage:
  llamagate usage [filters] [--group-by key,model,day]   Totals (default grouped by key and model)
  llamagate usage --records [filters] [--limit <n>]       Raw ledger rows, newest first

Filters:
      --key-id <id>             One key
      --model <name>            One model
      --from <date>             From this time (2025-06-01 or an ISO time), inclusive
      --to <date>               Until this time, exclusive

${TARGET_HELP}`;

const USAGE_OPTIONS = {
  ...TARGET_OPTIONS,
  'key-id': { type: 'string' },
  model: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'group-by': { type: 'string' },
  records: { type: 'boolean' },
  limit: { type: 'string' },
} as const;

const GROUPS: readonly string[] = ['key', 'model', 'day'];

/** `llamagate usage …`; returns the exit code. */
export async function usageCommand(argv: string[], io: CliIo = {}): Promise<number> {
  const output = cliOutput(io);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof USAGE_OPTIONS; allowPositionals: false }>>;
  let query: UsageQuery;
  let groupBy: UsageGroupBy[];
  try {
    parsed = parseArgs({ args: argv, options: USAGE_OPTIONS, allowPositionals: false, strict: true });
    const values = parsed.values;
    query = {
      ...(values['key-id'] === undefined ? {} : { keyId: values['key-id'] }),
      ...(values.model === undefined ? {} : { model: values.model }),
      ...(values.from === undefined ? {} : { from: parseTime(values.from, '--from') }),
      ...(values.to === undefined ? {} : { to: parseTime(values.to, '--to') }),
    };
    groupBy = (values['group-by'] ?? 'key,model')
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean) as UsageGroupBy[];
    const unknown = groupBy.find((group) => !GROUPS.includes(group));
    if (unknown !== undefined) throw new Error(`--group-by takes key, model and day (got "${unknown}")`);
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${USAGE_HELP}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    output.write(USAGE_HELP);
    return 0;
  }
  return runOnAdminTarget(
    {
      configFile: values.config,
      url: values.url,
      key: values.key,
      env: io.env,
      cwd: io.cwd,
    },
    output,
    async (target) => {
      if (values.records) {
        const rows = await target.usageRecords({
          ...query,
          ...(values.limit === undefined ? {} : { limit: Number(values.limit) }),
        });
        if (values.json) output.json(rows);
        else {
          output.table(
            ['TIME', 'REQUEST', 'KEY', 'MODEL', 'STATUS', 'PROMPT', 'COMPLETION', 'COST'],
            rows.map((row) => [
              row.time,
              row.request_id,
              row.key_id,
              row.model,
              row.status,
              row.prompt_tokens,
              row.completion_tokens,
              row.cost,
            ]),
          );
        }
        return 0;
      }
      const rows = await target.usageSummary(query, groupBy);
      if (values.json) output.json(rows);
      else {
        output.table(
          [...groupBy.map((group) => group.toUpperCase()), 'REQUESTS', 'PROMPT', 'COMPLETION', 'COST', 'ERRORS'],
          rows.map((row) => [
            ...groupBy.map((group) => (group === 'key' ? row.key_id : group === 'model' ? row.model : row.day)),
            row.requests,
            row.prompt_tokens,
            row.completion_tokens,
            row.cost,
            row.errors,
          ]),
        );
      }
      return 0;
    },
  );
}

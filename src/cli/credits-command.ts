import { parseArgs } from 'node:util';
import { runOnAdminTarget } from './admin-target.js';
import { type CliIo, cliOutput, TARGET_HELP, TARGET_OPTIONS } from './cli-output.js';

export const CREDITS_HELP = `Usage:
  llamagate credits add <key-id> <usd> [--reason <text>]   Add credits (a negative amount deducts)
  llamagate credits set <key-id> <usd> [--reason <text>]   Set the balance
  llamagate credits history <key-id> [--limit <n>]         The key's credit ledger, newest first

Every change is a ledger entry with its reason (default "manual top-up" / "manual correction").

${TARGET_HELP}`;

const CREDIT_OPTIONS = {
  ...TARGET_OPTIONS,
  reason: { type: 'string' },
  limit: { type: 'string' },
} as const;

const NEGATIVE_AMOUNT = /^-\$?\d+(\.\d+)?$/;

/** `llamagate credits …`; returns the exit code. */
export async function creditsCommand(argv: string[], io: CliIo = {}): Promise<number> {
  const output = cliOutput(io);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof CREDIT_OPTIONS; allowPositionals: true }>>;
  try {
    // A negative amount ("-5") would read as a flag: it is the last positional, so it goes after "--".
    const negative = argv.filter((arg) => NEGATIVE_AMOUNT.test(arg));
    const args = [
      ...argv.filter((arg) => !NEGATIVE_AMOUNT.test(arg)),
      ...(negative.length > 0 ? ['--', ...negative] : []),
    ];
    parsed = parseArgs({ args, options: CREDIT_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${CREDITS_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, id, amount] = positionals;
  if (values.help || action === undefined) {
    output.write(CREDITS_HELP);
    return values.help ? 0 : 2;
  }
  if (
    !['add', 'set', 'history'].includes(action) ||
    id === undefined ||
    (action !== 'history' && amount === undefined)
  ) {
    output.error(
      `usage: llamagate credits ${action === 'history' ? 'history <key-id>' : `${action} <key-id> <usd>`}\n\n${CREDITS_HELP}`,
    );
    return 2;
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
      if (action === 'history') {
        const entries = await target.creditHistory(id, values.limit === undefined ? undefined : Number(values.limit));
        if (values.json) output.json(entries);
        else {
          output.table(
            ['TIME', 'KIND', 'AMOUNT', 'BALANCE', 'REASON', 'REQUEST'],
            entries.map((entry) => [
              entry.created_at,
              entry.kind,
              entry.amount,
              entry.balance_after,
              entry.reason,
              entry.request_id,
            ]),
          );
        }
        return 0;
      }
      const body = {
        amount: amount ?? '0',
        reason: values.reason ?? (action === 'add' ? 'manual top-up' : 'manual correction'),
      };
      const entry = action === 'add' ? await target.addCredits(id, body) : await target.setCredits(id, body);
      if (values.json) output.json(entry);
      else output.write(`${entry.key_id}: ${entry.amount} (${entry.reason}), balance now $${entry.balance_after}\n`);
      return 0;
    },
  );
}

import { parseArgs } from 'node:util';
import type { KeyView } from '../server/billing/key-views.js';
import { runOnAdminTarget } from './admin-target.js';
import { type CliIo, type CliOutput, cliOutput, TARGET_HELP, TARGET_OPTIONS } from './cli-output.js';

export const KEYS_HELP = `Usage:
  llamagate keys create --name <name> [settings]   Create a virtual key; its secret is printed once
  llamagate keys list [--all]                      List keys (--all includes revoked ones)
  llamagate keys get <id>                          Show one key
  llamagate keys update <id> [settings]            Change settings
  llamagate keys rotate <id>                       New secret for the same key (printed once)
  llamagate keys revoke <id>                       Revoke for good

Settings:
      --name <name>             Display name
      --owner <text>            Owner (kept in the key's metadata)
      --credits <usd>           Starting credits in dollars (create only; later: llamagate credits add)
      --models <globs>          Allowed models, comma-separated or repeated ('llama-*,gpt-4o')
      --all-models              Allow every model again (update)
      --mcp-tools <globs>       MCP tools it may use, <server>.<tool> globs ('fs.read_*,memory.*'); '' for none
      --all-mcp-tools           Every MCP tool the gateway allows again (update)
      --rpm <n> --tpm <n>       Requests / tokens per minute
      --max-parallel <n>        Requests in flight at once
      --budget <usd>            Spending cap per --budget-period (day, week or month; default month)
      --expires <date>          Expiry (2026-01-31 or an ISO time); --no-expiry to clear (update)
      --disable / --enable      Turn the key off or on
      --unlimited               Not limited by its balance (budgets still apply)

${TARGET_HELP}`;

const KEY_OPTIONS = {
  ...TARGET_OPTIONS,
  name: { type: 'string' },
  owner: { type: 'string' },
  credits: { type: 'string' },
  models: { type: 'string', multiple: true },
  'all-models': { type: 'boolean' },
  'mcp-tools': { type: 'string', multiple: true },
  'all-mcp-tools': { type: 'boolean' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'max-parallel': { type: 'string' },
  budget: { type: 'string' },
  'budget-period': { type: 'string' },
  expires: { type: 'string' },
  'no-expiry': { type: 'boolean' },
  disable: { type: 'boolean' },
  enable: { type: 'boolean' },
  unlimited: { type: 'boolean' },
  all: { type: 'boolean' },
} as const;

const ID_ACTIONS = ['get', 'update', 'rotate', 'revoke'];

type KeyValues = ReturnType<typeof parseArgs<{ options: typeof KEY_OPTIONS; allowPositionals: true }>>['values'];

function integer(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The admin API body for create/update from the flags that were given. */
export function keySettingsBody(values: KeyValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (values.name !== undefined) body.name = values.name;
  if (values.owner !== undefined) body.owner = values.owner;
  if (values.credits !== undefined) body.credits = values.credits;
  if (values.models !== undefined) {
    body.models = values.models
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter(Boolean);
  }
  if (values['all-models']) body.models = null;
  if (values['mcp-tools'] !== undefined) {
    body.mcp_tools = values['mcp-tools']
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter(Boolean);
  }
  if (values['all-mcp-tools']) body.mcp_tools = null;
  if (values.rpm !== undefined) body.rpm = integer(values.rpm);
  if (values.tpm !== undefined) body.tpm = integer(values.tpm);
  if (values['max-parallel'] !== undefined) body.max_parallel = integer(values['max-parallel']);
  if (values.budget !== undefined) body.budget = { amount: values.budget, period: values['budget-period'] ?? 'month' };
  if (values.expires !== undefined) body.expires_at = values.expires;
  if (values['no-expiry']) body.expires_at = null;
  if (values.disable) body.enabled = false;
  if (values.enable) body.enabled = true;
  if (values.unlimited) body.unlimited_credits = true;
  return body;
}

function status(key: KeyView): string {
  if (key.revoked) return 'revoked';
  if (!key.enabled) return 'disabled';
  if (key.expires_at !== null && Date.parse(key.expires_at) <= Date.now()) return 'expired';
  return 'active';
}

function limits(key: KeyView): string {
  const parts = [
    key.rpm === null ? undefined : `${key.rpm} rpm`,
    key.tpm === null ? undefined : `${key.tpm} tpm`,
    key.max_parallel === null ? undefined : `${key.max_parallel} parallel`,
    key.budget === null ? undefined : `$${key.budget.amount}/${key.budget.period}`,
  ].filter(Boolean);
  return parts.length === 0 ? '-' : parts.join(', ');
}

function printKeys(output: CliOutput, keys: KeyView[]): void {
  output.table(
    ['ID', 'NAME', 'PREFIX', 'BALANCE', 'MODELS', 'LIMITS', 'STATUS'],
    keys.map((key) => [
      key.id,
      key.name,
      key.prefix,
      key.unlimited_credits ? 'unlimited' : key.balance,
      key.models === null ? '*' : key.models.join(','),
      limits(key),
      status(key),
    ]),
  );
}

function printSecret(output: CliOutput, view: KeyView & { key: string }, verb: string): void {
  output.write(`${verb} key ${view.id} (${view.name}), balance $${view.balance}\n\n  ${view.key}\n\n`);
  output.write('Store this key now: it is not shown again.\n');
}

/** `llamagate keys …`; returns the exit code. */
export async function keysCommand(argv: string[], io: CliIo = {}): Promise<number> {
  const output = cliOutput(io);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof KEY_OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: KEY_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${KEYS_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, id] = positionals;
  if (values.help || action === undefined) {
    output.write(KEYS_HELP);
    return values.help ? 0 : 2;
  }
  const needsId = ID_ACTIONS.includes(action);
  if (needsId && id === undefined) {
    output.error(`keys ${action} needs a key id (see: llamagate keys list)`);
    return 2;
  }
  if (action === 'create' && values.name === undefined) {
    output.error('keys create needs --name');
    return 2;
  }
  if (action !== 'create' && action !== 'list' && !needsId) {
    output.error(`unknown keys command "${action}"\n\n${KEYS_HELP}`);
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
      const keyId = id ?? '';
      if (action === 'create' || action === 'rotate') {
        const created =
          action === 'create' ? await target.createKey(keySettingsBody(values)) : await target.rotateKey(keyId);
        if (values.json) output.json(created);
        else printSecret(output, created, action === 'create' ? 'Created' : 'Rotated');
      } else if (action === 'list') {
        const keys = await target.listKeys({ includeRevoked: values.all === true, limit: 1000 });
        if (values.json) output.json(keys);
        else printKeys(output, keys);
      } else {
        const key =
          action === 'get'
            ? await target.getKey(keyId)
            : action === 'update'
              ? await target.updateKey(keyId, keySettingsBody(values))
              : await target.revokeKey(keyId);
        if (values.json || action === 'get') output.json(key);
        else output.write(`${action === 'revoke' ? 'Revoked' : 'Updated'} key ${key.id} (${key.name})\n`);
      }
      return 0;
    },
  );
}

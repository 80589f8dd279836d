#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { configImportCommand } from './config-import-command.js';
import { creditsCommand } from './credits-command.js';
import { keysCommand } from './keys-command.js';
import { reloadCommand } from './reload-command.js';
import { serveCommand } from './serve-command.js';
import { usageCommand } from './usage-command.js';

const HELP = `LlamaGate ${VERSION} — an OpenAI-compatible LLM gateway

Usage:
  llamagate serve [options]     Run the gateway (the default command)
  llamagate reload [options]    Make a running gateway reload its configuration
  llamagate config import <file>  Print a LiteLLM config.yaml as LlamaGate YAML (unmapped settings on stderr)
  llamagate keys <command>      Create, list, update, rotate, revoke virtual keys (keys --help)
  llamagate credits <command>   Add or set a key's credits, show its ledger (credits --help)
  llamagate usage [filters]     Usage totals or records (usage --help)
  llamagate --help              Show this help
  llamagate --version           Print the version

Options for serve:
  -c, --config <file>           YAML config file (default: $LLAMAGATE_CONFIG or ./llamagate.yaml)
  -p, --port <port>             Port to listen on (default 11435, env PORT)
      --host <host>             Address to bind (default 0.0.0.0, env HOST)
      --ollama-host <url>       Ollama base URL (default http://localhost:11434, env OLLAMA_HOST)
      --debug                   Debug logging (env DEBUG=true)
      --log-file <file>         Also append logs to this file (env LOG_FILE)
      --pid-file <file>         Write the process id here (for reload --pid-file)

Options for reload (POST /admin/reload with the master key, or SIGHUP):
      --url <url>               Gateway URL (default $LLAMAGATE_URL or http://127.0.0.1:$PORT)
      --key <key>               Master key (default $LLAMAGATE_MASTER_KEY, else $API_KEY)
      --pid-file <file>         Send SIGHUP to the pid in this file instead

Precedence: defaults < YAML < .env < environment < flags. See the README for every setting.
`;

/** Commands with their own options (parsed by the command). */
const ADMIN_COMMANDS = new Map<string, (argv: string[]) => Promise<number>>([
  ['keys', keysCommand],
  ['credits', creditsCommand],
  ['usage', usageCommand],
]);

export async function main(argv: string[]): Promise<number> {
  const adminCommand = ADMIN_COMMANDS.get(argv[0] ?? '');
  if (adminCommand !== undefined) return adminCommand(argv.slice(1));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'ollama-host': { type: 'string' },
        debug: { type: 'boolean' },
        'log-file': { type: 'string' },
        'pid-file': { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
      },
    });
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'serve';
  if (command === 'serve') {
    return serveCommand({
      configFile: values.config as string | undefined,
      pidFile: values['pid-file'] as string | undefined,
      flags: {
        port: values.port,
        host: values.host,
        ollamaHost: values['ollama-host'],
        debug: values.debug,
        logFile: values['log-file'],
      },
    });
  }
  if (command === 'reload') {
    return reloadCommand({
      pidFile: values['pid-file'] as string | undefined,
      url: values.url as string | undefined,
      key: values.key as string | undefined,
    });
  }
  if (command === 'config' && positionals[1] === 'import' && positionals[2] !== undefined) {
    return configImportCommand(positionals[2]);
  }
  process.stderr.write(`llamagate: unknown command "${command}"\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`llamagate: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

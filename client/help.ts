/**
 * `--help` on every command and subcommand: the command's own lines of the usage text, found by
 * its name (so the help can never drift from the usage), and the environment it reads.
 */

const ENVIRONMENT = [
  'environment: TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_NAMESPACE (default), DATABASE_URL,',
  '             OLLAMA_HOST or KISYSTEM_OPENAI_BASE_URL, KISYSTEM_CONFIG, KISYSTEM_DATA_DIR, KISYSTEM_TASK_QUEUE',
  '             a remote server: TEMPORAL_TLS, TEMPORAL_TLS_CA/_CERT/_KEY/_SERVER_NAME, TEMPORAL_API_KEY (docs/hosts.md)',
].join('\n');

/** Whether the arguments ask for help (`--help` or `-h` anywhere). */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Splits the usage text into entries: a line naming a command and its indented continuation lines. */
function entries(usage: string): { command: string; text: string }[] {
  const out: { command: string; text: string }[] = [];
  for (const line of usage.split('\n')) {
    const named = /^ {2}(\S+)/.exec(line);
    if (named) out.push({ command: named[1]!, text: line });
    else if (/^ {20,}\S/.test(line) && out.length > 0) out[out.length - 1]!.text += `\n${line}`;
  }
  return out;
}

/** The help of one command (`queue`, `learning` ... with all their subcommands), or null for an unknown one. */
export function helpFor(usage: string, command: string): string | null {
  const own = entries(usage).filter((e) => e.command === command);
  if (own.length === 0) return null;
  return [`usage: kisystem ${command} ...`, '', ...own.map((e) => e.text), '', ENVIRONMENT].join('\n');
}

/**
 * The `kisystem` command. Every command reads its settings from the environment (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, DATABASE_URL, OLLAMA_HOST, KISYSTEM_CONFIG, ...).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { databaseUrl, prepareDatabase } from '../db/database';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { learningExport, learningImport, showBias, showExplain, showPriorities, showStats } from './learning';
import { loadConfig } from '../runtime/load-config';
import { settingsFromEnv } from '../runtime/settings';
import { connectClient } from './connect';
import { runDemo } from './demo';
import { endingOf, followTasks } from './follow';
import { exitCodeOf } from '../contracts/task-ending';
import { startStack } from './stack';
import { helpFor, wantsHelp } from './help';
import { listTasks, loadTasks, printStatus, resolveTask, submitTask } from './tasks';
import { showRunFiles } from './run-files';
import { checkQueueName, DEFAULT_QUEUE, queueAdd, queueCancel, queuePause, queueReloadConfig, queueReprioritize, queueShow } from './queue';

const USAGE = `kisystem: a durable build loop in which local LLMs write, build and test CUDA and C++ code

usage: kisystem <command> [options]

  up [--production]           start the local stack: Temporal dev server (persistent), database, both workers
                              (checked by doctor first; workers restarted when they exit or are killed);
                              --production: the compose file's Temporal release on PostgreSQL instead, built
                              once from the Go module proxy, schema set up and upgraded, Web UI (docs/docker.md)
  doctor [--fix] [--json]     check Temporal, Postgres, the model server and its models, compilers, GPU,
                              sandbox and disk; says what to do for each problem (--fix registers search attributes)
  demo [--exit]               run the example tasks against the scripted model server and print the results
  submit <task files...> [--wait]
                              start one workflow per task file; --wait follows them run by run and exits
                              0 succeeded, 1 failed, 3 exhausted, 4 given up, 5 cancelled (the worst of several)
  check-task <task file> [--answer <file>]... [--keep]
                              a task author's test: wiring checked, each answer (default: the task's
                              reference_answer) built and tested by the worker's own activities in its sandbox,
                              and what the model would be shown; exit 0 passed, 1 answer failed, 2 refused,
                              3 the task's own fault, 4 cannot run here (docs/task-authors.md)
  status <workflow id>        state of a task (live), or its result
  list [--query <filter>]     task workflows, e.g. --query "KisystemModel = 'deepseek-r1:32b'"
  resolve <workflow id> --file <code> [--author <name>] | --give-up [reason]
                              the manual fallback: hand in code (built and tested) or give up
  cancel <workflow id>        cancel a task
  queue add <task files...> [--priority N] [--queue name]
                              add tasks to a cost-aware queue (priority_eff = priority / ETA; started when missing)
  queue show [--queue name] [--json]
                              the queue's order (priority score, ETA, priority_eff), running tasks, recent results
  queue cancel <key|task id> | queue reprioritize <key|task id> <0..100> [--queue name]
                              drop or re-rate a pending task (a running one: kisystem cancel <its workflow id>)
  queue pause | queue resume [--queue name]
                              stop or restart new starts (running tasks go on)
  queue config --reload [--queue name]
                              the queue takes the current config (optimization_config.json); queue show prints which it uses
  priorities [--top N] [--json]
                              Meta-Supervisor: domains by priority P(d), with sr, t, c and R
  bias [--json]               Meta-Supervisor: the model each domain starts with, when one qualifies
  explain <domain> [--json]   every factor of a domain's priority
  stats [--json] [--html [--out file]]
                              runs and success rates per domain and model, escalations, whether the learning pays;
                              --html: one offline page with plots (success rate and run time over time, starts, queues)
  report <workflow id> [--out file]
                              one offline HTML page of a task: runs, chain and decisions, optimization plots, code diff
  learning import <file.jsonl> | learning export [--out file] [--domain d]
                              bring in or share a learning history (docs/learning-history.md)
  simulate [--history file.jsonl] [--stoploss 1,2,3] [--start-rule guide] [--min-runs N] [--min-rate X] [--fallback S] [--json]
                              what-if on the team's own history: recovered % and machine time per task per config
  migrate                     create and migrate the learning history (DATABASE_URL)
  worker workflow|gpu         run one worker in the foreground
  files <workflow id>         where each run's files are while kept (config run_folders)`;

const log = (line: string) => console.log(line);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const settings = settingsFromEnv();
  // `kisystem <command> [subcommand] --help`: that command's part of the usage.
  if (command && !['help', '--help', '-h'].includes(command) && wantsHelp(rest)) {
    const help = helpFor(USAGE, command);
    if (!help) throw new UsageError(`unknown command "${command}"`);
    log(help);
    return 0;
  }
  switch (command) {
    case 'up': {
      const { values } = parseArgs({ args: rest, options: { production: { type: 'boolean', default: false } } });
      const config = loadConfig(settings.configPath);
      const { printReport, runDoctor } = await import('./doctor');
      // kisystem doctor once Temporal and the database are there, before the workers start; its model
      // check lists each missing chain model with its `ollama pull` line.
      const stack = await startStack({
        settings,
        log,
        production: values.production,
        beforeWorkers: async (temporalAddress) => {
          log('kisystem doctor:');
          return printReport(await runDoctor({ settings, config, temporalAddress, skipFleet: true }), (line) => log(`  ${line}`));
        },
      });
      log(`kisystem is up. Web UI: ${stack.uiUrl}  (Ctrl-C stops the workers${stack.devServer ? ' and the dev server' : stack.production ? ' and the Temporal server' : ''})`);
      // Workers that exit or are killed are restarted (client/supervisor.ts); only Ctrl-C or SIGTERM stops up.
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log('stopping ...');
      await stack.stop();
      return 0;
    }
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { exit: { type: 'boolean', default: false } } });
      const ok = await runDemo({ settings, keepUi: !values.exit && process.stdout.isTTY === true && process.stdin.isTTY === true, log });
      return ok ? 0 : 1;
    }
    case 'submit': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { wait: { type: 'boolean', default: false } } });
      if (positionals.length === 0) throw new UsageError('submit needs at least one task file');
      const config = loadConfig(settings.configPath);
      const { tasks, refused } = loadTasks(positionals, log);
      if (tasks.length === 0) return 1;
      const client = await connectClient(settings);
      const ids: string[] = [];
      // Loaded on use: the doctor's checks import the worker code, which a plain client does not need.
      const { explainStartFailure, warnMissingModels } = await import('./preflight');
      await warnMissingModels(config, [...new Set(tasks.map((t) => t.domain))], log);
      for (const task of tasks) {
        const s = await submitTask(client, settings, config, task).catch(async (error: unknown) => {
          throw await explainStartFailure(client, settings.namespace, error);
        });
        ids.push(s.workflowId);
        log(`${task.id}: ${s.workflowId}  ${s.url}`);
      }
      if (values.wait) {
        const results = await followTasks(client, ids, log, 1000, settings.temporalAddress);
        // One code per ending (docs/endings.md); a refused task file counts as failed.
        return exitCodeOf([...[...results.values()].map(endingOf), ...(refused > 0 ? (['failed'] as const) : [])]);
      }
      return refused > 0 ? 1 : 0;
    }
    case 'check-task': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { answer: { type: 'string', multiple: true, default: [] }, keep: { type: 'boolean', default: false } } });
      if (positionals.length !== 1) throw new UsageError('check-task needs exactly one task file');
      const { checkTask } = await import('./check-task');
      return checkTask({ taskPath: positionals[0]!, answers: values.answer ?? [], config: loadConfig(settings.configPath), keep: values.keep ?? false, out: log });
    }
    case 'doctor': {
      const { values } = parseArgs({ args: rest, options: { fix: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
      const { printReport, runDoctor } = await import('./doctor');
      const checks = await runDoctor({ settings, config: loadConfig(settings.configPath), fix: values.fix });
      if (values.json) {
        log(JSON.stringify(checks, null, 2));
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }
      return printReport(checks, log) ? 0 : 1;
    }
    case 'status': {
      const id = rest[0];
      if (!id) throw new UsageError('status needs a workflow id');
      await printStatus(await connectClient(settings, settings.temporalAddress, 120_000, log), settings, id, log);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { query: { type: 'string' } } });
      await listTasks(await connectClient(settings), settings, values.query, log);
      return 0;
    }
    case 'resolve': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { file: { type: 'string' }, author: { type: 'string' }, 'give-up': { type: 'boolean', default: false } },
      });
      const id = positionals[0];
      if (!id) throw new UsageError('resolve needs a workflow id');
      if (!values.file && !values['give-up']) throw new UsageError('resolve needs --file <code> or --give-up');
      const client = await connectClient(settings);
      if (values['give-up']) {
        await resolveTask(client, id, { giveUp: positionals.slice(1).join(' ') || 'given up from the command line' }, log);
        return 0;
      }
      const code = readFileSync(values.file!, 'utf8');
      return (await resolveTask(client, id, { code, author: values.author }, log)) ? 0 : 1;
    }
    case 'cancel': {
      const id = rest[0];
      if (!id) throw new UsageError('cancel needs a workflow id');
      await (await connectClient(settings)).workflow.getHandle(id).cancel();
      log(`${id}: cancellation requested`);
      return 0;
    }
    case 'queue':
      return queueCommand(rest, settings);
    case 'priorities':
    case 'bias':
    case 'explain':
    case 'stats':
    case 'learning':
      return withDatabase((db) => metaCommand(command, rest, db, loadConfig(settings.configPath)));
    case 'simulate': return (await import('./simulate')).simulateCommand(rest, loadConfig(settings.configPath), log);
    case 'report': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' } } });
      if (!positionals[0]) throw new UsageError('report needs a workflow id');
      const { writeTaskReport } = await import('./report/write-report');
      const client = await connectClient(settings);
      return withDatabase(async (db) => (await writeTaskReport(client, db, settings, positionals[0]!, values.out, log), 0));
    }
    case 'files': return withDatabase(async (db) => ((await showRunFiles(db, settings, rest[0] ?? '', log)) ? 0 : 1));
    case 'migrate': {
      const db = await prepareDatabase(databaseUrl());
      await db.destroy();
      log('learning history migrated');
      return 0;
    }
    case 'worker': {
      if (rest[0] === 'workflow') await (await import('../workers/workflow-worker')).runWorkflowWorker();
      else if (rest[0] === 'gpu') await (await import('../workers/gpu-worker')).runGpuWorker();
      else throw new UsageError('worker needs "workflow" or "gpu"');
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      const help = command === 'help' && rest[0] ? helpFor(USAGE, rest[0]) : null;
      log(help ?? USAGE);
      return command === undefined ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

async function queueCommand(rest: string[], settings: ReturnType<typeof settingsFromEnv>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { queue: { type: 'string', default: DEFAULT_QUEUE }, priority: { type: 'string' }, json: { type: 'boolean', default: false }, reload: { type: 'boolean', default: false } },
  });
  const [verb, ...args] = positionals;
  const name = checkQueueName(values.queue!);
  const priority = values.priority === undefined ? undefined : Number(values.priority);
  if (priority !== undefined && !(Number.isFinite(priority) && priority >= 0 && priority <= 100)) throw new UsageError('--priority needs a number between 0 and 100');
  switch (verb) {
    case 'add': {
      if (args.length === 0) throw new UsageError('queue add needs at least one task file');
      const config = loadConfig(settings.configPath);
      // The task bodies go to Postgres first; the queue gets their refs only.
      return withDatabase(async (db) => ((await queueAdd(await connectClient(settings), db, settings, config, name, args, priority, log)) ? 0 : 1));
    }
    case 'show':
      await queueShow(await connectClient(settings), name, values.json!, log);
      return 0;
    case 'cancel':
      if (!args[0]) throw new UsageError('queue cancel needs a task key or task id');
      await queueCancel(await connectClient(settings), name, args[0], log);
      return 0;
    case 'reprioritize': {
      const p = Number(args[1] ?? values.priority);
      if (!args[0] || !Number.isFinite(p)) throw new UsageError('queue reprioritize needs a task key or id and a priority 0..100');
      await queueReprioritize(await connectClient(settings), name, args[0], p, log);
      return 0;
    }
    case 'pause':
    case 'resume':
      await queuePause(await connectClient(settings), name, verb === 'pause', log);
      return 0;
    case 'config':
      if (!values.reload) throw new UsageError('queue config needs --reload (the queue takes the current config)');
      await queueReloadConfig(await connectClient(settings), settings, loadConfig(settings.configPath), name, log);
      return 0;
    default:
      throw new UsageError('queue needs add, show, cancel, reprioritize, pause, resume or config --reload');
  }
}

async function withDatabase(run: (db: Kysely<Database>) => Promise<number>): Promise<number> {
  const db = await prepareDatabase(databaseUrl());
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

async function metaCommand(command: string, rest: string[], db: Kysely<Database>, config: KisystemConfig): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, html: { type: 'boolean', default: false }, top: { type: 'string' }, out: { type: 'string' }, domain: { type: 'string' } },
  });
  switch (command) {
    case 'priorities': {
      const top = values.top === undefined ? undefined : Number(values.top);
      if (top !== undefined && !(Number.isInteger(top) && top > 0)) throw new UsageError('--top needs a positive whole number');
      await showPriorities(db, config, top, values.json, log);
      return 0;
    }
    case 'bias':
      await showBias(db, config, values.json, log);
      return 0;
    case 'explain':
      if (!positionals[0]) throw new UsageError('explain needs a domain, e.g. kisystem explain CUDA/Kernel');
      return (await showExplain(db, config, positionals[0], values.json, log)) ? 0 : 1;
    case 'stats':
      if (values.html) await (await import('./report/write-report')).writeLearningReport(db, config, values.out, log);
      else await showStats(db, config, values.json, log);
      return 0;
    default: {
      const [verb, file] = positionals;
      if (verb === 'import' && file) return (await learningImport(db, file, log)) ? 0 : 1;
      if (verb === 'export') {
        await learningExport(db, values.out, values.domain, log);
        return 0;
      }
      throw new UsageError('learning needs "import <file.jsonl>" or "export [--out file] [--domain d]"');
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) console.error(`kisystem: ${error.message}\n\n${USAGE}`);
    else console.error(`kisystem: ${error?.message ?? error}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);

/** `--help` on every command and subcommand answers with that command's usage, exit 0 ("Unknown option '--help'"). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/settings';

const run = (args: string[]) => spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), ...args], { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } });

it.each([
  ['up'], ['doctor'], ['demo'], ['submit'], ['check-task'], ['status'], ['list'], ['resolve'], ['cancel'],
  ['queue'], ['queue', 'add'], ['queue', 'show'], ['queue', 'cancel'], ['queue', 'reprioritize'], ['queue', 'pause'], ['queue', 'resume'],
  ['report'], ['priorities'], ['bias'], ['explain'], ['stats'], ['learning'], ['learning', 'import'], ['learning', 'export'], ['migrate'], ['worker'], ['worker', 'gpu'],
])('kisystem %s ... --help', (...command: string[]) => {
  for (const flag of ['--help', '-h']) {
    const result = run([...command, flag]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain(`usage: kisystem ${command[0]} ...`);
    expect(result.stdout).toMatch(new RegExp(`^ {2}${command.join('.*')}`, 'm'));
    expect(result.stdout).toMatch(/environment: TEMPORAL_ADDRESS/);
  }
});

it('kisystem help queue shows the queue commands; an unknown command with --help is a usage error', () => {
  expect(run(['help', 'queue']).stdout).toMatch(/^ {2}queue add/m);
  const unknown = run(['frobnicate', '--help']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
});

it('each line of help stands under its own command: pausing under queue pause | resume, the exit codes under submit', () => {
  expect(run(['queue', '--help']).stdout).toMatch(/^ {2}queue pause \| queue resume.*\n {20,}stop or restart new starts/m);
  expect(run(['submit', '--help']).stdout).toMatch(/0 succeeded, 1 failed, 3 exhausted, 4 given up, 5 cancelled/);
});

#!/usr/bin/env node
// run-checked.js: the trusted driver of activities/sandbox-verdict.ts in plain Node, for
// check-examples.sh (no build, no sandbox): asks the checker for the test inputs, feeds them to the
// candidate, hands the answers to the checker. Prints the candidate's stderr on stderr and the
// checker's verdict line on stdout; exits with the candidate's status when it failed (128+N for a
// signal), else with the checker's (0 pass, 1 fail).
//
// Usage: node run-checked.js CHECKER SEED -- CANDIDATE_COMMAND...   (in the candidate's folder)
'use strict';
const { spawn, spawnSync } = require('child_process');

const [checker, seed, dashes, ...command] = process.argv.slice(2);
if (!checker || !seed || dashes !== '--' || command.length === 0) {
  console.error('usage: node run-checked.js CHECKER SEED -- CANDIDATE_COMMAND...');
  process.exit(64);
}
const cases = spawnSync(checker, ['cases', 'test', seed], { maxBuffer: 2 ** 31 });
if (cases.status !== 0) {
  console.error(`run-checked: the checker failed to make inputs: ${cases.stderr}`);
  process.exit(70);
}
const newline = cases.stdout.indexOf(10);
const inputs = cases.stdout.subarray(newline + 1);

const child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
const answers = [];
child.stdout.on('data', (chunk) => answers.push(chunk));
child.stdin.on('error', () => undefined); // the candidate may stop reading
child.stdin.end(inputs);
child.on('close', (code, signal) => {
  if (signal || code !== 0) process.exit(signal ? 128 + (require('os').constants.signals[signal] || 0) : code);
  const verify = spawnSync(checker, ['verify', 'test', seed], { input: Buffer.concat(answers), maxBuffer: 2 ** 26 });
  const verdict = String(verify.stdout).split('\n').filter((l) => l.startsWith('KISYSTEM_VERDICT:')).pop();
  if (!verdict) {
    console.error(`run-checked: the checker gave no verdict: ${verify.stderr}`);
    process.exit(70);
  }
  console.log(verdict);
  process.exit(verify.status);
});

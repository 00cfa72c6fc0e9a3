/** A real Temporal dev server for tests: the installed CLI, kisystem's search attributes registered. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { findOrInstallTemporalCli, freePort } from '../../runtime/dev-server';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';

let cliPath: string | undefined;

export function temporalCli(): string {
  cliPath ??= findOrInstallTemporalCli();
  return cliPath;
}

/**
 * Every port the server listens on is chosen here (runtime/dev-server.ts `freePort`: outside the
 * kernel's ephemeral range), the HTTP API and metrics ports included, which the CLI would pick itself.
 * The SDK hides the server's output, so a start that fails is retried with new ports a few times
 * (another process may have taken one of them meanwhile) before its error is thrown.
 */
export async function startTestServer(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: temporalCli() },
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
          port: await freePort(),
          extraArgs: ['--log-level', 'error', '--http-port', String(await freePort()), '--metrics-port', String(await freePort())],
        },
      });
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  return bundle;
}

const noop = () => undefined;
export const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** A unique name per test, for task queues and workflow ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

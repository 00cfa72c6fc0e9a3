/** One word per ending on every surface, and `submit --wait`'s exit code per ending. */
import { endingOf, exitCodeOf, statusWord } from '../../contracts/task-ending';
import { listStatus } from '../../client/tasks';

describe('statusWord', () => {
  it.each([
    ['succeeded', 'succeeded'], ['exhausted', 'exhausted'], ['gave_up', 'given up'], ['failed', 'failed'], ['cancelled', 'cancelled'],
    ['waiting_for_model_server', 'waiting for model server'], ['building', 'building'],
  ])('%s -> %s', (status, word) => expect(statusWord(status)).toBe(word));
});

describe('endingOf a closed workflow', () => {
  it.each<[string, string | undefined, string | null]>([
    ['COMPLETED', 'gave_up', 'gave_up'],
    ['COMPLETED', 'succeeded', 'succeeded'],
    ['CANCELLED', 'cancelled', 'cancelled'],
    // Tasks from before the final status was published: their last live status says nothing about the end.
    ['CANCELLED', 'building', 'cancelled'],
    ['FAILED', 'testing', 'failed'],
    ['TERMINATED', undefined, 'failed'],
    ['TIMED_OUT', undefined, 'failed'],
    ['COMPLETED', 'testing', null],
  ])('%s with KisystemStatus %s -> %s', (execution, attribute, ending) => expect(endingOf(execution, attribute)).toBe(ending));
});

describe('the list says what a task does or how it ended', () => {
  it.each<[string, string | undefined, string]>([
    ['RUNNING', 'waiting_for_model_server', 'waiting for model server'],
    ['RUNNING', undefined, 'starting'],
    ['COMPLETED', 'gave_up', 'given up'],
    ['COMPLETED', 'succeeded', 'succeeded'],
    ['CANCELLED', 'building', 'cancelled'],
  ])('%s / %s -> %s', (execution, attribute, shown) => expect(listStatus(execution, attribute)).toBe(shown));
});

describe('exitCodeOf', () => {
  it.each<[string[], number]>([
    [['succeeded'], 0],
    [[], 0],
    [['failed'], 1],
    [['exhausted'], 3],
    [['gave_up'], 4],
    [['cancelled'], 5],
    [['succeeded', 'exhausted', 'cancelled'], 5],
    [['cancelled', 'failed'], 1],
    [['gave_up', 'exhausted'], 4],
  ])('%j -> %i', (endings, code) => expect(exitCodeOf(endings as never)).toBe(code));
});

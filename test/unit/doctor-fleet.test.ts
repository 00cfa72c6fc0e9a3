import { fleetChecks, STALE_POLLER_S, type FleetView } from '../../client/doctor-fleet';
import { hostIdentity, hostOfIdentity } from '../../policy/rules/host-loss';

const id = (host: string) => hostIdentity(host, 42, 'box');

function view(activity: FleetView['activityPollers'], workflow = [{ identity: 'wf@box', ageS: 3 }]): FleetView {
  return { taskQueue: 'kisystem', gpuQueue: 'kisystem-gpu', workflowPollers: workflow, activityPollers: activity };
}

test('host ids travel in the worker identity', () => {
  expect(hostOfIdentity(id('h200-a'))).toBe('h200-a');
  expect(hostOfIdentity('12345@somebox')).toBeNull();
});

test('each host with the queues it polls, CUDA hosts named', () => {
  const checks = fleetChecks(view({
    'kisystem-gpu': [{ identity: id('a'), ageS: 2 }, { identity: id('b'), ageS: 5 }],
    'kisystem-gpu-cuda': [{ identity: id('b'), ageS: 5 }],
    'kisystem-gpu@a': [{ identity: id('a'), ageS: 2 }],
    'kisystem-gpu@a/alive': [{ identity: id('a'), ageS: 1 }],
    'kisystem-gpu@b': [{ identity: id('b'), ageS: 2 }],
    'kisystem-gpu@b/alive': [{ identity: id('b'), ageS: 1 }],
  }));
  expect(checks.map((c) => [c.area, c.status])).toEqual([['workflow workers', 'ok'], ['host a', 'ok'], ['host b', 'ok']]);
  expect(checks[2]!.detail).toMatch(/polls kisystem-gpu, kisystem-gpu@b, kisystem-gpu@b\/alive, kisystem-gpu-cuda \(takes CUDA tasks\)/);
});

test.each([
  ['no workflow worker', view({ 'kisystem-gpu': [{ identity: id('a'), ageS: 1 }], 'kisystem-gpu@a/alive': [{ identity: id('a'), ageS: 1 }] }, []), 'workflow workers', /no workflow worker polls kisystem/],
  ['no host at all', view({}), 'hosts', /no GPU worker polls kisystem-gpu/],
  ['a host not seen for long: likely gone', view({ 'kisystem-gpu': [{ identity: id('a'), ageS: STALE_POLLER_S + 60 }], 'kisystem-gpu@a/alive': [{ identity: id('a'), ageS: STALE_POLLER_S + 60 }] }), 'host a', /likely gone/],
  ['an older worker without the probe queue', view({ 'kisystem-gpu': [{ identity: id('a'), ageS: 1 }], 'kisystem-gpu@a': [{ identity: id('a'), ageS: 1 }] }), 'host a', /not its probe queue/],
  ['no CUDA host', view({ 'kisystem-gpu': [{ identity: id('a'), ageS: 1 }], 'kisystem-gpu@a/alive': [{ identity: id('a'), ageS: 1 }] }), 'CUDA hosts', /CUDA tasks wait/],
])('%s: a warning that says so', (_name, v, area, detail) => {
  const check = fleetChecks(v).find((c) => c.area === area);
  expect(check?.status).toBe('warn');
  expect(check?.detail).toMatch(detail);
});

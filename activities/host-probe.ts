/**
 * The liveness probe a host answers on its own probe queue (policy/rules/host-loss.ts): the GPU worker
 * polls that queue with slots of its own, so a host busy with builds still answers at once, and a
 * dead one never does.
 */
export interface HostProbeActivities {
  hostAlive(): Promise<{ hostId: string; pid: number }>;
}

export function createHostProbe(hostId: string): HostProbeActivities {
  return {
    async hostAlive() {
      return { hostId, pid: process.pid };
    },
  };
}

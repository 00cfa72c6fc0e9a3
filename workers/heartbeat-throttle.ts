/**
 * How often an activity's heartbeats reach the server. The server tells an activity that it was
 * cancelled only in its answer to a heartbeat, and the SDK holds heartbeats back for
 * `min(0.8 x heartbeat timeout, maxHeartbeatThrottleInterval)` (24 s for a 30 s timeout): a
 * `kisystem cancel` then left the compiler or the candidate running that long. Builds, tests,
 * benchmarks and profiles beat every 250 ms (activities/run-process.ts); with half a second here the
 * cancellation reaches their process group within about half a second plus one round trip.
 */
export const HEARTBEAT_THROTTLE = Object.freeze({
  maxHeartbeatThrottleInterval: '500 ms',
  defaultHeartbeatThrottleInterval: '500 ms',
} as const);

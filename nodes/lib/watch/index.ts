// Run watching: shared watchers (registry), what they report (snapshot), when they read (source).
export { watchRun, liveWatchers, runChanged } from './registry';
export { watchHardware, HardwareWatcher, DEFAULT_HARDWARE_INTERVAL_MS, readResource } from './hardware-watcher';
export type { HardwareEvent, HardwareResource, HardwareSubscriber, HardwareSubscription, ModuleChange } from './hardware-watcher';
export { TopicHintSource } from './hint-source';
export type { Subscription, WatchOptions } from './registry';
export { RunWatcher, DEFAULT_INTERVAL_MS, COMMAND_READ_EVERY } from './run-watcher';
export type { Subscriber, WatchEvent } from './run-watcher';
export type { RunSnapshot, CurrentCommand, FailedCommand } from './snapshot';
export { PollingSource, nextDelay, MAX_DELAY_MS, QUIET_FACTOR, WAITING_READ_MS } from './source';
export type { WatchSource, SourceFactory, RefetchReason, RefetchSink, Settled } from './source';
export { unreachablePayload } from './watcher-base';
export type { ReachabilityEvent } from './watcher-base';

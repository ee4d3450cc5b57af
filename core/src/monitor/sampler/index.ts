/** The host monitor's sampling of a running cell (docs/monitor.md "Sampling from a test"). */
export { monitorSettings, DEFAULT_MONITOR_INTERVAL_MS, type MonitorOptions, type MonitorSettings } from './options.js';
export { captureOffsetsMs, captureLabel, WINDOW_START, WINDOW_END } from './capture-window.js';
export { PauseClock } from './pause-clock.js';
export { kernelSampleReader, type SampleReader, type RunqueueSample, type MonitorSampleData } from './sample-reader.js';
export { findStalls, describeStall, type Stall } from './stall.js';
export { monitorMetrics, DEFAULT_STALL_SAMPLES, FALLBACK_EVENT, KEEP_LAST_EVENT, type MonitorMetrics } from './monitor-metrics.js';
export { disabledMonitor, type MonitorResult, type CaptureRecord } from './monitor-result.js';
export { MonitorLoop, type GuestControl, type MonitorLoopOptions } from './monitor-loop.js';
export { prepareMonitor, btfFor, type PreparedMonitor } from './prepare.js';

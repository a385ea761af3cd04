export type {TailEvent, TailRecord} from './events.js';
export {describePosition, LATEST, parseStartPosition, startPositionProblem, TRIM_HORIZON, type StartPosition} from './positions.js';
export {tailStream, type TailOptions} from './tailStream.js';
export {DEFAULT_BURST, DEFAULT_CALL_RATE, DEFAULT_CONCURRENCY, HOT_RECORDS} from './pollScheduler.js';
export {IDLE_POLL_MAX_MS} from './shardReader.js';

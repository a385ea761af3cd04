export type {TailEvent, TailRecord} from './events.js';
export {describePosition, LATEST, parseStartPosition, startPositionProblem, TRIM_HORIZON, type StartPosition} from './positions.js';
export {tailStream, type TailOptions} from './tailStream.js';

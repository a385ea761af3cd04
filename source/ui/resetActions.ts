import type {ResetAction} from '../console/checkpoints/plan.js';
import {keysOf} from './keymap.js';

/** A reset plan's actions as the console's keys, from their bindings (the command names its flags instead). */
const RESET_KEYS: Readonly<Record<ResetAction, () => string>> = {
	createMissing: () => `press ${keysOf('reset', 'createMissing')}`,
	takeLeases: () => `press ${keysOf('reset', 'takeLeases')}`,
	chooseShard: () => `mark one shard with ${keysOf('checkpoints', 'mark')} on the checkpoints`,
	foreignCheckpoints: () => `press ${keysOf('reset', 'foreignCheckpoints')}`,
};

/** Names an action of a reset plan's problem or warning by its key. Problems carry actions as strings: PlanProblem serves every plan. */
export const keyOfResetAction = (action: string): string => RESET_KEYS[action as ResetAction]?.() ?? action;

import type {Infer, Schema} from '../protocol/schema.js';
import type {Store} from '../store/store.js';
import type {Streams} from './streams.js';

/** What an action sees of the engine and of the request it serves. */
export interface ActionContext {
	readonly streams: Streams;
	readonly store: Store;
	readonly limits: EngineLimits;
	/** The region the request was signed for: each region holds its own streams, as on AWS. */
	readonly region: string;
	readonly nowMs: number;
}

export interface EngineLimits {
	/** How long a shard iterator stays valid. */
	readonly iteratorTtlMs: number;
}

export interface Action<S extends Schema = Schema> {
	readonly schema: S;
	readonly run: (context: ActionContext, input: Infer<S>) => Promise<object> | object;
}

/** Declares an action; the helper only ties the input type to the schema. */
export const defineAction = <S extends Schema>(schema: S, run: Action<S>['run']): Action<S> => ({schema, run});

import {createContext, useContext, useLayoutEffect, useRef} from 'react';
import type {Observation, TrafficReport} from '../console/traffic.js';
import type {Scope} from './keymap.js';

/** The views of the console, as a stack: Esc goes back to the one below. */
export type Route =
	| {readonly kind: 'streams'}
	| {readonly kind: 'dashboard'; readonly stream: string}
	| {readonly kind: 'tail'; readonly stream: string; readonly shardId?: string}
	/** Operations, opened from the dashboard with what it knows: the observed traffic of a shard, the shards' rates. */
	| {
			readonly kind: 'split';
			readonly stream: string;
			readonly shardId: string;
			readonly observations?: readonly Observation[];
			readonly observedFrom?: string;
	  }
	| {readonly kind: 'merge'; readonly stream: string; readonly shardId?: string; readonly traffic?: TrafficReport}
	| {readonly kind: 'scale'; readonly stream: string}
	| {readonly kind: 'retention'; readonly stream: string}
	| {readonly kind: 'consumers'; readonly stream: string}
	| {readonly kind: 'checkpoints'; readonly stream: string; readonly application: string}
	/** A checkpoint reset of some shards (or every shard with a lease). */
	| {readonly kind: 'reset'; readonly stream: string; readonly application: string; readonly shards?: readonly string[]};

export const scopesOf = (route: Route): readonly Scope[] => {
	switch (route.kind) {
		case 'streams':
			return ['streams', 'list', 'global'];
		case 'dashboard':
			return ['dashboard', 'list', 'global'];
		case 'tail':
			return ['tail', 'list', 'global'];
		case 'split':
		case 'merge':
		case 'scale':
		case 'retention':
			return [route.kind, 'operation', 'global'];
		case 'consumers':
		case 'checkpoints':
			return [route.kind, 'list', 'global'];
		case 'reset':
			return ['reset', 'operation', 'global'];
	}
};

export const crumbOf = (route: Route): string =>
	route.kind === 'streams'
		? 'streams'
		: route.kind === 'dashboard'
			? route.stream
			: route.kind === 'tail'
				? `tail ${route.stream}${route.shardId ? ` ${route.shardId}` : ''}`
				: route.kind === 'split'
					? `split ${route.shardId}`
					: route.kind === 'checkpoints'
						? route.application
						: route.kind;

export interface Navigator {
	readonly push: (route: Route) => void;
	readonly back: () => void;
}

/** A view's handler for the commands of its scopes; returns false to let the app handle one (e.g. Esc). */
export type CommandHandler = (command: string) => boolean | void;

export const NavigatorContext = createContext<Navigator>({push: () => undefined, back: () => undefined});
export const CommandRegistryContext = createContext<{current: CommandHandler | undefined}>({current: undefined});

export const useNavigator = (): Navigator => useContext(NavigatorContext);

/** Whether a view is the one on top; views beneath stay mounted (keeping their state) but hidden. */
export const ActiveViewContext = createContext(true);
export const useIsActiveView = (): boolean => useContext(ActiveViewContext);

/** Receives the commands the app resolves from keys or the palette while this view is on top. */
export function useViewCommands(handler: CommandHandler): void {
	const registry = useContext(CommandRegistryContext);
	const active = useContext(ActiveViewContext);
	const latest = useRef(handler);
	latest.current = handler;
	useLayoutEffect(() => {
		if (!active) return;
		const forward: CommandHandler = (command) => latest.current(command);
		registry.current = forward;
		return () => {
			if (registry.current === forward) registry.current = undefined;
		};
	}, [registry, active]);
}

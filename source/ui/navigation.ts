import {createContext, useContext, useLayoutEffect, useRef} from 'react';
import type {Command, CommandOf} from './keymap.js';
import type {Route, ScreenKind} from './screens/index.js';

export type {Route} from './screens/index.js';

export interface Navigator {
	readonly push: (route: Route) => void;
	readonly back: () => void;
}

/** A view's handler for the commands of its scopes; returns false to let the app handle one (e.g. Esc). */
export type CommandHandler<C extends string = Command> = (command: C) => boolean | void;

export const NavigatorContext = createContext<Navigator>({push: () => undefined, back: () => undefined});
export const CommandRegistryContext = createContext<{current: CommandHandler | undefined}>({current: undefined});

export const useNavigator = (): Navigator => useContext(NavigatorContext);

/**
 * The commands the view on top offers now, of its screen's own and shared scopes (the global ones are
 * always offered); undefined: all of them. The hint bar shows only these: keys that would do nothing
 * (y once a change is done) are not offered.
 */
export const OfferedCommandsContext = createContext<(offered: ReadonlySet<string> | undefined) => void>(() => undefined);

/** Says which of its screen's commands the view offers now (undefined: all); it applies while the view is on top. */
export function useOfferedCommands(offered: readonly string[] | undefined): void {
	const setOffered = useContext(OfferedCommandsContext);
	const active = useContext(ActiveViewContext);
	const key = offered?.join(' ');
	useLayoutEffect(() => {
		if (!active) return;
		setOffered(key === undefined ? undefined : new Set(key.split(' ').filter(Boolean)));
		return () => setOffered(undefined);
	}, [setOffered, active, key]);
}

/** Whether a view is the one on top; views beneath stay mounted (keeping their state) but hidden. */
export const ActiveViewContext = createContext(true);
export const useIsActiveView = (): boolean => useContext(ActiveViewContext);

/**
 * Receives the commands the app resolves from keys or the palette while this view is on top. The
 * screen's kind types them: a command id the screen has no binding for is a type error.
 */
export function useViewCommands<K extends ScreenKind>(_screen: K, handler: CommandHandler<CommandOf<K>>): void {
	const registry = useContext(CommandRegistryContext);
	const active = useContext(ActiveViewContext);
	const latest = useRef(handler);
	latest.current = handler;
	useLayoutEffect(() => {
		if (!active) return;
		// The app resolves keys through this screen's scopes, so the command it passes is one of CommandOf<K>.
		const forward: CommandHandler = (command) => latest.current(command as CommandOf<K>);
		registry.current = forward;
		return () => {
			if (registry.current === forward) registry.current = undefined;
		};
	}, [registry, active]);
}

import {Box, useApp} from 'ink';
import type {Notice} from '../console/notices.js';
import {describeSlowdowns, type Slowdown} from '../console/requestBudget.js';
import {Store} from '../console/store.js';
import {useMemo, useRef, useState, type ReactNode} from 'react';
import {CommandPalette, PALETTE_ROWS} from './components/CommandPalette.js';
import {HelpOverlay, helpBodyRows, helpLines} from './components/HelpOverlay.js';
import {HintBar} from './components/HintBar.js';
import {StatusLine, statusLineRows} from './components/StatusLine.js';
import {useKeyQueue} from './hooks/useKeyQueue.js';
import {useStore} from './hooks/useStore.js';
import {useTerminalSize} from './hooks/useTerminalSize.js';
import {InputCaptureContext, type KeyHandler} from './inputCapture.js';
import {commandFor, scopesOf, type Binding, type Command} from './keymap.js';
import {crumbOf} from './screens/index.js';
import {
	ActiveViewContext,
	CommandRegistryContext,
	OfferedCommandsContext,
	NavigatorContext,
	type CommandHandler,
	type Navigator,
	type Route,
} from './navigation.js';
import {ServicesContext, type ConsoleServices} from './services.js';
import {ThemeContext, type Theme} from './theme.js';

export interface AppProps {
	readonly services: ConsoleServices;
	readonly theme: Theme;
	readonly initialRoute?: Route;
	/** Renders the view of a route; the app gives it the rows left between the status line and the hints. */
	readonly renderRoute: (route: Route, height: number) => ReactNode;
}

type Overlay = 'help' | 'palette' | undefined;

/** A console with no request budget (tests of single views) has nothing slowed. */
const NO_BUDGET = new Store<readonly Slowdown[]>([]);

function slowdownNotice(slowdowns: readonly Slowdown[]): Notice | undefined {
	const text = describeSlowdowns(slowdowns);
	return text === undefined ? undefined : {level: 'warning', text, at: new Date()};
}

/** The stack of screens and the navigator that pushes and pops it. */
function useRouteStack(initialRoute: Route, notices: AppProps['services']['notices']): [readonly Route[], Navigator] {
	const [stack, setStack] = useState<readonly Route[]>([initialRoute]);
	// A notice belongs to the screen it was said on: moving to another screen clears it.
	const navigator = useMemo<Navigator>(
		() => ({
			push: (next) => {
				notices.clear();
				setStack((current) => [...current, next]);
			},
			back: () => {
				notices.clear();
				setStack((current) => (current.length > 1 ? current.slice(0, -1) : current));
			},
		}),
		[notices],
	);
	return [stack, navigator];
}

/**
 * The console's frame: a status line, the view on top of the stack, and a hint bar. Keys become
 * commands through the keymap; global ones (help, palette, back, quit) are handled here, the rest go
 * to the view on top. While a view takes typed text, every key is its own.
 * One component: the key handling (global commands, the help overlay's keys) and the frame's tree share the overlay and
 * the stack, and the tree is mostly its context providers.
 */
export function App({services, theme, initialRoute = {kind: 'streams'}, renderRoute}: AppProps) {
	const {exit} = useApp();
	const {rows, columns} = useTerminalSize();
	const [stack, navigator] = useRouteStack(initialRoute, services.notices);
	const [overlay, setOverlay] = useState<Overlay>(undefined);
	const [helpOffset, setHelpOffset] = useState(0);
	const [offered, setOffered] = useState<ReadonlySet<string> | undefined>(undefined);
	const captured = useRef<KeyHandler | undefined>(undefined);
	const registry = useRef<CommandHandler | undefined>(undefined);
	const said = useStore(services.notices);
	const slowdowns = useStore(services.budget ?? NO_BUDGET);
	// What the console says outranks the budget's note, which stays as long as AWS's throttling lasts.
	const notice = said ?? slowdownNotice(slowdowns);
	const route = stack.at(-1) ?? initialRoute;
	const scopes = scopesOf(route.kind);
	const crumbs = stack.map(crumbOf);
	const status = {target: services.target, crumbs, notice, readOnly: services.readOnly, columns};
	// The status line takes a row or two, the hint bar one.
	const viewHeight = Math.max(3, rows - statusLineRows(status) - 1);

	const [capturing, setCapturing] = useState<string | undefined>(undefined);
	const capture = useMemo(() => ({captured, setCapturing}), []);

	const run = (binding: Binding) => {
		switch (binding.id) {
			case 'help':
				setHelpOffset(0);
				return setOverlay(overlay === 'help' ? undefined : 'help');
			case 'palette':
				return setOverlay('palette');
			case 'quit':
				return exit();
			default: {
				const handler = registry.current;
				// The binding was found in the top screen's scopes, so its id is one of that screen's commands.
				if (handler && handler(binding.id as Command) !== false) return;
				if (binding.id === 'back') navigator.back();
			}
		}
	};

	const handleKey = (name: string) => {
		if (overlay === 'help') return helpKey(name);
		if (overlay) return;
		const binding = commandFor(name, scopes, services.readOnly);
		if (binding) run(binding);
	};
	// While help is open, its own keys close it and the list keys scroll it.
	const helpKey = (name: string) => {
		const global = commandFor(name, ['global']);
		if (global?.id === 'help' || global?.id === 'back' || global?.id === 'quit') return setOverlay(undefined);
		const page = helpBodyRows(viewHeight);
		const last = Math.max(0, helpLines(scopes, services.readOnly, columns).length - page);
		const step = {up: -1, down: 1, pageUp: -page, pageDown: page, top: -Infinity, bottom: Infinity}[commandFor(name, ['list'])?.id ?? ''];
		if (step !== undefined) setHelpOffset((offset) => Math.max(0, Math.min(last, offset + step)));
	};
	useKeyQueue(captured, handleKey);

	return (
		<ThemeContext.Provider value={theme}>
			<ServicesContext.Provider value={services}>
				<NavigatorContext.Provider value={navigator}>
					<CommandRegistryContext.Provider value={registry}>
						<OfferedCommandsContext.Provider value={setOffered}>
							<InputCaptureContext.Provider value={capture}>
								<Box flexDirection="column" height={rows}>
									<StatusLine {...status} />
									<Box flexDirection="column" flexGrow={1} overflowY="hidden">
										{overlay === 'help' ? (
											<HelpOverlay scopes={scopes} readOnly={services.readOnly} columns={columns} height={viewHeight} offset={helpOffset} />
										) : null}
										{overlay === 'palette' ? (
											<CommandPalette scopes={scopes} readOnly={services.readOnly} onRun={run} onClose={() => setOverlay(undefined)} />
										) : null}
										{stack.map((entry, index) => {
											const onTop = index === stack.length - 1;
											return (
												<Box key={index} display={onTop && overlay !== 'help' ? 'flex' : 'none'} flexDirection="column">
													<ActiveViewContext.Provider value={onTop}>
														{renderRoute(entry, overlay === 'palette' ? Math.max(3, viewHeight - PALETTE_ROWS) : viewHeight)}
													</ActiveViewContext.Provider>
												</Box>
											);
										})}
									</Box>
									<HintBar scopes={scopes} readOnly={services.readOnly} offered={offered} typing={capturing} />
								</Box>
							</InputCaptureContext.Provider>
						</OfferedCommandsContext.Provider>
					</CommandRegistryContext.Provider>
				</NavigatorContext.Provider>
			</ServicesContext.Provider>
		</ThemeContext.Provider>
	);
}

import type {ReactNode} from 'react';
import type {Screen, SharedScope} from '../screen.js';
import {checkpointsScreen} from './checkpoints.js';
import {consumerScreen} from './consumer.js';
import {consumersScreen} from './consumers.js';
import {dashboardScreen} from './dashboard.js';
import {deregisterScreen} from './deregister.js';
import {mergeScreen} from './merge.js';
import {pauseScreen} from './pause.js';
import {resetScreen} from './reset.js';
import {retentionScreen} from './retention.js';
import {scaleScreen} from './scale.js';
import {splitScreen} from './split.js';
import {streamsScreen} from './streams.js';
import {tailScreen} from './tail.js';

/** Every screen of the console, by the kind its routes carry. */
export const screens = {
	streams: streamsScreen,
	dashboard: dashboardScreen,
	tail: tailScreen,
	split: splitScreen,
	merge: mergeScreen,
	scale: scaleScreen,
	retention: retentionScreen,
	consumers: consumersScreen,
	consumer: consumerScreen,
	checkpoints: checkpointsScreen,
	reset: resetScreen,
	deregister: deregisterScreen,
	pause: pauseScreen,
} as const;

type Screens = typeof screens;
export type ScreenKind = keyof Screens;
type ParamsOf<S> = S extends Screen<infer Params, string, SharedScope> ? Params : never;
type IdsOf<S> = S extends Screen<never, infer Id, SharedScope> ? Id : never;
type SharedOf<S> = S extends Screen<never, string, infer Shared> ? Shared : never;

/** A place in the console: a screen's kind and its parameters. */
export type Route = {[K in ScreenKind]: {readonly kind: K} & ParamsOf<Screens[K]>}[ScreenKind];
/** The ids of the bindings a screen declares itself. */
export type ScreenCommand<K extends ScreenKind> = IdsOf<Screens[K]>;
/** The shared scopes a screen answers besides its own. */
export type ScreenShared<K extends ScreenKind> = SharedOf<Screens[K]>;

/** A route's breadcrumb in the status line. */
export function crumbOf(route: Route): string {
	// The registry pairs each kind with its screen; TypeScript cannot follow the pairing through the union.
	const screen = screens[route.kind] as unknown as Screen<Route, string, SharedScope>;
	return screen.crumb(route);
}

/** The view of a route, given the rows it may use. */
export function renderRoute(route: Route, height: number): ReactNode {
	const screen = screens[route.kind] as unknown as Screen<Route, string, SharedScope>;
	return screen.render(route, height);
}

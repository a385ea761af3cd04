import type {Key} from 'ink';
import type {BindingSpec, SharedScope} from './screen.js';
import {screens, type ScreenCommand, type ScreenKind, type ScreenShared} from './screens/index.js';

/** Where a binding applies: everywhere, in every list or operation, or on one screen. */
export type Scope = SharedScope | ScreenKind;

export interface Binding extends BindingSpec {
	readonly scope: Scope;
}

/** The bindings several screens share, by scope; each screen's own are in its module (ui/screens/). */
const sharedBindings = {
	global: [
		{id: 'help', keys: ['?'], description: 'Show or hide this help', hint: true, hintText: 'Help'},
		{id: 'palette', keys: [':'], description: 'Command palette', hint: true, hintText: 'Commands'},
		{id: 'back', keys: ['escape'], description: 'Back', hint: true},
		{id: 'quit', keys: ['q'], description: 'Quit', hint: true},
	],
	list: [
		{id: 'up', keys: ['up', 'k'], description: 'Move up'},
		{id: 'down', keys: ['down', 'j'], description: 'Move down'},
		{id: 'pageUp', keys: ['pageup'], description: 'Page up'},
		{id: 'pageDown', keys: ['pagedown'], description: 'Page down'},
		{id: 'top', keys: ['g', 'home'], description: 'First'},
		{id: 'bottom', keys: ['G', 'end'], description: 'Last'},
		{id: 'filter', keys: ['/'], description: 'Filter', hint: true},
	],
	// An operation's preview (split, merge, scale, retention, checkpoint reset): submit or cancel.
	operation: [
		{id: 'confirm', keys: ['y'], description: 'Submit', dangerous: true, hint: true},
		{id: 'cancel', keys: ['n'], description: 'Cancel', hint: true},
		{id: 'replan', keys: ['r'], description: 'Plan again', hint: true},
	],
} as const satisfies Record<SharedScope, readonly BindingSpec[]>;

const SHARED_TITLES: Record<SharedScope, string> = {global: 'Everywhere', list: 'Lists', operation: 'Change'};

type SharedCommand<S extends SharedScope> = (typeof sharedBindings)[S][number]['id'];
/** A command a screen's view receives: one of its own bindings', or of the scopes it shares. */
export type CommandOf<K extends ScreenKind> = ScreenCommand<K> | SharedCommand<ScreenShared<K> | 'global'>;
/** Any command of any screen. */
export type Command = {[K in ScreenKind]: CommandOf<K>}[ScreenKind];

let every: readonly Binding[] | undefined;
/**
 * Every key binding, as data: the help screen, the hint bar and the command palette are made from
 * it. Made on first use: screens' modules import views, which import this module for keysOf.
 */
export function allBindings(): readonly Binding[] {
	every ??= [
		...(Object.keys(sharedBindings) as SharedScope[]).flatMap((scope) =>
			sharedBindings[scope].map((binding): Binding => ({...binding, scope})),
		),
		...(Object.keys(screens) as ScreenKind[]).flatMap((scope) =>
			(screens[scope].bindings as readonly BindingSpec[]).map((binding): Binding => ({...binding, scope})),
		),
	];
	return every;
}

/** The scopes whose bindings a screen answers, its own first and the global ones last. */
export const scopesOf = (kind: ScreenKind): readonly Scope[] => [kind, ...screens[kind].shared, 'global'];

/** The title of a scope's bindings in help. */
export const titleOf = (scope: Scope): string =>
	scope in screens ? screens[scope as ScreenKind].title : SHARED_TITLES[scope as SharedScope];

/** Hidden by --read-only: a change, or a step that only serves one. */
const hiddenWhenReadOnly = (binding: Binding): boolean => binding.dangerous === true || binding.servesChange === true;

/** The name of a key press as bindings spell it. */
export function keyName(input: string, key: Key): string {
	if (key.upArrow) return 'up';
	if (key.downArrow) return 'down';
	if (key.leftArrow) return 'left';
	if (key.rightArrow) return 'right';
	if (key.return) return 'enter';
	if (key.escape) return 'escape';
	if (key.tab) return 'tab';
	if (key.pageUp) return 'pageup';
	if (key.pageDown) return 'pagedown';
	if (key.home) return 'home';
	if (key.end) return 'end';
	if (input === ' ') return 'space';
	return input;
}

/** One key as Ink reports it. */
export interface KeyPress {
	readonly input: string;
	readonly key: Key;
}

/**
 * The keys in one input event. A terminal delivers keys typed quickly or pasted (and tmux send-keys)
 * as one chunk, which Ink passes on as one string: each of its characters is a key of its own.
 */
export function splitPresses(input: string, key: Key): KeyPress[] {
	if (input.length <= 1 || key.ctrl || key.meta) return [{input, key}];
	return [...input].map((character) => {
		const enter = character === '\r' || character === '\n';
		const tab = character === '\t';
		if (enter || tab) return {input: '', key: {...key, return: enter, tab}};
		// Backspace (DEL or BS) and the line-editing controls, which Ink names only when they come alone.
		if (character === '\x7f' || character === '\b') return {input: '', key: {...key, backspace: true}};
		const control = CONTROL_LETTERS[character];
		if (control) return {input: control, key: {...key, ctrl: true}};
		return {input: character, key: {...key, shift: /[A-Z]/.test(character)}};
	});
}

/** Ctrl-U (clear the line) and Ctrl-W (delete a word) as the terminal sends them. */
const CONTROL_LETTERS: Record<string, string> = {'\x15': 'u', '\x17': 'w'};

/** The binding a key press triggers in the given scopes (searched in order), honouring --read-only. */
export function commandFor(name: string, scopes: readonly Scope[], readOnly = false): Binding | undefined {
	for (const scope of scopes) {
		const found = allBindings().find(
			(binding) => binding.scope === scope && binding.keys.includes(name) && !(readOnly && hiddenWhenReadOnly(binding)),
		);
		if (found) return found;
	}
	return undefined;
}

/** The bindings of the given scopes, in the scopes' order (a view's own before the global ones). */
export function visibleBindings(scopes: readonly Scope[], readOnly: boolean): Binding[] {
	return scopes.flatMap((scope) =>
		allBindings().filter((binding) => binding.scope === scope && !(readOnly && hiddenWhenReadOnly(binding))),
	);
}

/** Key names as people write them, in help, hints and prompts. */
const KEY_LABELS: Record<string, string> = {
	enter: 'Enter',
	escape: 'Esc',
	space: 'Space',
	tab: 'Tab',
	up: '↑',
	down: '↓',
	left: '←',
	right: '→',
	pageup: 'PgUp',
	pagedown: 'PgDn',
	home: 'Home',
	end: 'End',
};

export const displayKeys = (binding: Pick<Binding, 'keys'>): string => binding.keys.map((key) => KEY_LABELS[key] ?? key).join('/');

/** How a command's keys are written in a hint or a prompt, from its binding (so a rebinding changes them too). */
export function keysOf(scope: Scope, id: string, options: {readonly first?: boolean} = {}): string {
	const binding = allBindings().find((candidate) => candidate.scope === scope && candidate.id === id);
	if (!binding) return id;
	return displayKeys(options.first ? {...binding, keys: binding.keys.slice(0, 1)} : binding);
}

import type {Key} from 'ink';

/** Where a binding applies: everywhere, or in one view. */
export type Scope =
	| 'global'
	| 'list'
	| 'streams'
	| 'dashboard'
	| 'tail'
	| 'operation'
	| 'split'
	| 'merge'
	| 'scale'
	| 'retention'
	| 'consumers'
	| 'checkpoints'
	| 'reset';

export interface Binding {
	readonly id: string;
	readonly scope: Scope;
	/** Key names: a printable character, or up, down, left, right, enter, escape, tab, pageup, pagedown, home, end. */
	readonly keys: readonly string[];
	readonly description: string;
	/** Changes the stream: hidden by --read-only, and always previewed and confirmed. */
	readonly dangerous?: boolean;
	/** Shown in the hint bar of its scope. */
	readonly hint?: boolean;
	/** A shorter description for the hint bar. */
	readonly hintText?: string;
}

/** Every key binding, as data: the help screen, the hint bar and the command palette are made from it. */
export const bindings: readonly Binding[] = [
	{id: 'help', scope: 'global', keys: ['?'], description: 'Show or hide this help', hint: true, hintText: 'Help'},
	{id: 'palette', scope: 'global', keys: [':'], description: 'Command palette', hint: true, hintText: 'Commands'},
	{id: 'back', scope: 'global', keys: ['escape'], description: 'Back', hint: true},
	{id: 'quit', scope: 'global', keys: ['q'], description: 'Quit', hint: true},
	{id: 'up', scope: 'list', keys: ['up', 'k'], description: 'Move up'},
	{id: 'down', scope: 'list', keys: ['down', 'j'], description: 'Move down'},
	{id: 'pageUp', scope: 'list', keys: ['pageup'], description: 'Page up'},
	{id: 'pageDown', scope: 'list', keys: ['pagedown'], description: 'Page down'},
	{id: 'top', scope: 'list', keys: ['g', 'home'], description: 'First'},
	{id: 'bottom', scope: 'list', keys: ['G', 'end'], description: 'Last'},
	{id: 'filter', scope: 'list', keys: ['/'], description: 'Filter', hint: true},
	{id: 'open', scope: 'streams', keys: ['enter'], description: 'Open the stream', hint: true},
	{id: 'refresh', scope: 'streams', keys: ['r'], description: 'Refresh now'},
	{id: 'tailStream', scope: 'dashboard', keys: ['t'], description: 'Tail the stream', hint: true},
	{id: 'tailShard', scope: 'dashboard', keys: ['enter'], description: 'Tail the selected shard', hint: true},
	{id: 'window', scope: 'dashboard', keys: ['w'], description: 'Change the time window', hint: true},
	{id: 'metric', scope: 'dashboard', keys: ['m'], description: 'Chart records/s, bytes/s or lag'},
	{id: 'refresh', scope: 'dashboard', keys: ['r'], description: 'Refresh now'},
	{id: 'split', scope: 'dashboard', keys: ['s'], description: 'Split the selected shard', dangerous: true, hint: true},
	{
		id: 'merge',
		scope: 'dashboard',
		keys: ['M'],
		description: 'Merge the selected shard with a neighbour, or the coldest pair',
		dangerous: true,
		hint: true,
	},
	{id: 'scale', scope: 'dashboard', keys: ['S'], description: 'Scale uniformly to N shards', dangerous: true},
	{id: 'retention', scope: 'dashboard', keys: ['R'], description: 'Change the retention period', dangerous: true},
	{id: 'consumers', scope: 'dashboard', keys: ['c'], description: 'Consumers and their lag', hint: true},
	// An operation's preview (split, merge, scale, retention, checkpoint reset): submit or cancel.
	{id: 'confirm', scope: 'operation', keys: ['y'], description: 'Submit', dangerous: true, hint: true},
	{id: 'cancel', scope: 'operation', keys: ['n'], description: 'Cancel', hint: true},
	{id: 'replan', scope: 'operation', keys: ['r'], description: 'Plan again', hint: true},
	{id: 'atMidpoint', scope: 'split', keys: ['m'], description: 'At the midpoint', hint: true},
	{id: 'atMedian', scope: 'split', keys: ['d'], description: 'At the observed median', hint: true},
	{id: 'atHashKey', scope: 'split', keys: ['h'], description: 'At a hash key', hint: true},
	{id: 'coldestPair', scope: 'merge', keys: ['p'], description: 'The coldest pair', hint: true},
	{id: 'otherNeighbour', scope: 'merge', keys: ['o'], description: 'The other neighbour', hint: true},
	{id: 'edit', scope: 'scale', keys: ['t'], description: 'Type the target', hint: true},
	{id: 'edit', scope: 'retention', keys: ['t'], description: 'Type the hours', hint: true},
	{id: 'openApplication', scope: 'consumers', keys: ['enter'], description: "Open the application's checkpoints and lag", hint: true},
	{id: 'refresh', scope: 'consumers', keys: ['r'], description: 'Refresh now'},
	{id: 'mark', scope: 'checkpoints', keys: ['space'], description: 'Mark the shard (for a reset)', hint: true},
	{
		id: 'resetCheckpoints',
		scope: 'checkpoints',
		keys: ['R'],
		description: 'Reset checkpoints: the marked shards, or all',
		dangerous: true,
		hint: true,
	},
	{id: 'refresh', scope: 'checkpoints', keys: ['r'], description: 'Refresh now'},
	{id: 'edit', scope: 'reset', keys: ['t'], description: 'Type the target', hint: true},
	{id: 'createMissing', scope: 'reset', keys: ['c'], description: 'Also make leases for shards without one', hint: true},
	{id: 'pause', scope: 'tail', keys: ['space', 'p'], description: 'Pause or resume', hint: true},
	{id: 'follow', scope: 'tail', keys: ['f'], description: 'Follow (resumes if paused)', hint: true},
	{id: 'decoder', scope: 'tail', keys: ['d'], description: 'Change the decoding', hint: true},
	{id: 'position', scope: 'tail', keys: ['o'], description: 'Start from another position'},
	{id: 'inspect', scope: 'tail', keys: ['enter'], description: 'Open the record in full', hint: true},
	{id: 'save', scope: 'tail', keys: ['s'], description: 'Save what is shown to a JSON lines file'},
];

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
		const found = bindings.find((binding) => binding.scope === scope && binding.keys.includes(name) && !(readOnly && binding.dangerous));
		if (found) return found;
	}
	return undefined;
}

/** The bindings of the given scopes, in the scopes' order (a view's own before the global ones). */
export function visibleBindings(scopes: readonly Scope[], readOnly: boolean): Binding[] {
	return scopes.flatMap((scope) => bindings.filter((binding) => binding.scope === scope && !(readOnly && binding.dangerous)));
}

export const displayKeys = (binding: Binding): string => binding.keys.map((key) => (key.length === 1 ? key : `<${key}>`)).join('/');

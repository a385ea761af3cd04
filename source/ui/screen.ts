import type {ReactNode} from 'react';

/** Scopes of bindings that several screens share: everywhere, in lists, in an operation's preview. */
export type SharedScope = 'global' | 'list' | 'operation';

/** A key binding as a screen or a shared scope declares it: data that help, hints and the palette are made from. */
export interface BindingSpec<Id extends string = string> {
	readonly id: Id;
	/** Key names: a printable character, or up, down, left, right, enter, escape, tab, pageup, pagedown, home, end, space. */
	readonly keys: readonly string[];
	readonly description: string;
	/** Changes something: hidden by --read-only, marked in help, and always previewed and confirmed. */
	readonly dangerous?: boolean;
	/** What a dangerous binding changes, as help says it (default: the stream). */
	readonly changes?: string;
	/** A step that only serves a change (marking shards for a reset): hidden by --read-only like one. */
	readonly servesChange?: boolean;
	/** Shown in the hint bar of its scope. */
	readonly hint?: boolean;
	/** A shorter description for the hint bar. */
	readonly hintText?: string;
}

/**
 * One screen of the console: its route's parameters, its own key bindings (their ids are the commands
 * its view receives), the shared scopes it also answers, its breadcrumb and its render. The router,
 * the help, the hint bar and the palette are made from these; adding a screen is one module that
 * declares one, and one line in screens/index.ts.
 */
export interface Screen<Params, Id extends string, Shared extends SharedScope = SharedScope> {
	/** The title of its bindings in help. */
	readonly title: string;
	readonly shared: readonly Shared[];
	readonly bindings: readonly BindingSpec<Id>[];
	readonly crumb: (params: Params) => string;
	readonly render: (params: Params, height: number) => ReactNode;
}

/** Declares a screen whose route carries `Params`; its command ids are inferred from its bindings. */
export const defineScreen =
	<Params extends object = Record<never, never>>() =>
	<const Id extends string, const Shared extends SharedScope>(screen: Screen<Params, Id, Shared>): Screen<Params, Id, Shared> =>
		screen;

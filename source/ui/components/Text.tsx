// The one place besides Chart.tsx that may use Ink's Text: every other view renders text through this one.
// eslint-disable-next-line no-restricted-imports -- the safe Text is built on Ink's
import {Text as InkText, type TextProps} from 'ink';
import {createElement, type ReactNode} from 'react';
import {sanitizeForTerminal} from '../../console/records/index.js';

/**
 * Ink's Text, except that no string in it can drive the terminal: control characters (ESC, the C1
 * controls such as CSI, DEL, bidi overrides) in its text are shown as visible stand-ins (␛[2J), with
 * newlines and tabs kept. Names, tags, messages and records from an endpoint reach the screen in many
 * places; this makes each of them safe whether or not the view sanitized it already. Colours and
 * styles are props, which Ink turns into escapes after this.
 */
/** Ink's props, each optional one also taking undefined (for `color={selected ? accent : undefined}`). */
export type SafeTextProps = {readonly [K in keyof TextProps]?: TextProps[K] | undefined};

export function Text({children, ...props}: SafeTextProps) {
	// Ink reads an undefined prop as an absent one.
	return createElement(InkText, props as TextProps, ...(Array.isArray(children) ? children.map(safe) : [safe(children)]));
}

function safe(child: ReactNode): ReactNode {
	if (typeof child === 'string') return sanitizeForTerminal(child);
	// Elements keep their identity (and keys); arrays of them (a .map() in the JSX) are walked for strings.
	if (Array.isArray(child)) return child.map(safe);
	return child;
}

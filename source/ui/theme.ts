import {createContext, useContext} from 'react';

/** Colours by meaning, not by hue. NO_COLOR (https://no-color.org) gives a theme with none. */
export interface Theme {
	readonly accent: string | undefined;
	readonly muted: string | undefined;
	readonly danger: string | undefined;
	readonly warning: string | undefined;
	readonly success: string | undefined;
	readonly border: string | undefined;
	readonly chart: readonly string[];
	/** Without colour, selection and emphasis fall back to inverse and bold. */
	readonly colored: boolean;
}

export const colorTheme: Theme = {
	accent: 'cyan',
	muted: 'gray',
	danger: 'red',
	warning: 'yellow',
	success: 'green',
	border: 'gray',
	chart: ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'],
	colored: true,
};

export const noColorTheme: Theme = {
	accent: undefined,
	muted: undefined,
	danger: undefined,
	warning: undefined,
	success: undefined,
	border: undefined,
	chart: [],
	colored: false,
};

export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
	return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? noColorTheme : colorTheme;
}

export const ThemeContext = createContext<Theme>(colorTheme);
export const useTheme = (): Theme => useContext(ThemeContext);

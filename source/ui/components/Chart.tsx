import {plot, blue, cyan, darkgray, green, magenta, red, yellow, type Color} from 'asciichart';
// asciichart colours its lines with escapes of its own, which the safe Text would show: Ink's Text draws them, and nothing here comes from an endpoint.
// eslint-disable-next-line no-restricted-imports -- see above
import {Box, Text} from 'ink';
import {formatCompact} from '../../console/format.js';
import {useTheme} from '../theme.js';

/** Columns the y-axis labels take, and the axis itself. */
const CHART_LABEL_WIDTH = 9;

/** How many values fit across a chart `width` columns wide. */
export const chartCapacity = (width: number): number => Math.max(2, width - CHART_LABEL_WIDTH - 1);

const ANSI: Readonly<Record<string, Color>> = {cyan, magenta, yellow, green, blue, red, gray: darkgray, grey: darkgray};

/**
 * A line chart drawn with asciichart, sized to the columns and rows it is given: a longer series is
 * folded to fit (averaged, or its largest values for ages), the y axis starts at 0 and its labels
 * use `format`. Coloured from the theme; plain under NO_COLOR.
 */
export function Chart({
	series,
	width,
	height,
	format = formatCompact,
	color,
	fold = 'mean',
}: {
	readonly series: readonly number[];
	readonly width: number;
	readonly height: number;
	readonly format?: (value: number) => string;
	/** A theme colour; the first of the theme's chart colours by default. */
	readonly color?: string | undefined;
	readonly fold?: 'mean' | 'max';
}) {
	const theme = useTheme();
	const lines = chartLines(series, {width, height, format, fold, color: theme.colored ? ANSI[color ?? theme.chart[0] ?? ''] : undefined});
	return (
		<Box flexDirection="column" width={width}>
			{lines.map((line, index) => (
				<Text key={index} wrap="truncate">
					{line}
				</Text>
			))}
		</Box>
	);
}

/** The chart's rows as text (with colour codes when a colour is given). */
export function chartLines(
	series: readonly number[],
	options: {
		readonly width: number;
		readonly height: number;
		readonly format?: (value: number) => string;
		readonly fold?: 'mean' | 'max';
		readonly color?: Color;
	},
): string[] {
	const rows = Math.max(2, Math.floor(options.height));
	const values = fitSeries(series, chartCapacity(options.width), options.fold ?? 'mean');
	if (values.length === 0) return [];
	const format = options.format ?? formatCompact;
	// The label, a space, then the axis.
	const labelWidth = CHART_LABEL_WIDTH - 2;
	const largest = Math.max(...values);
	const text = plot(values, {
		height: rows - 1,
		min: 0,
		max: largest > 0 ? largest : 1,
		offset: 2,
		format: (value) => `${format(Math.max(0, value)).slice(0, labelWidth).padStart(labelWidth)} `,
		...(options.color ? {colors: [options.color]} : {}),
	});
	return text.split('\n').map((line) => line.replace(/ +$/, ''));
}

/** A series made to fit `capacity` points: longer ones are folded in equal groups, the newest kept whole. */
export function fitSeries(series: readonly number[], capacity: number, fold: 'mean' | 'max' = 'mean'): number[] {
	const clean = series.map((value) => (Number.isFinite(value) ? Math.max(0, value) : 0));
	if (clean.length <= capacity) return clean;
	const group = Math.ceil(clean.length / capacity);
	const out: number[] = [];
	// Group from the newest end, so the latest values are never mixed into a partial group.
	for (let end = clean.length; end > 0; end -= group) {
		const slice = clean.slice(Math.max(0, end - group), end);
		out.push(fold === 'max' ? Math.max(...slice) : slice.reduce((sum, value) => sum + value, 0) / slice.length);
	}
	return out.reverse();
}

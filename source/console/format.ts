/**
 * Numbers, sizes, rates and durations as the console writes them, for the terminal UI and the
 * commands alike: one function per way of writing a figure, named for it, so that a count reads the
 * same on every screen and in every command's output.
 */

const SUFFIXES = ['', 'k', 'M', 'G', 'T'] as const;
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A count in full, rounded, with thousands separators: 1,234. */
export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');

/** A count with its noun: 1 record, 1,234 records. */
export const plural = (count: number, word: string): string => `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;

/** A figure short, for columns and charts: 0, 0.5, 12, 1.2k, 34k, 5.6M. */
export function formatCompact(value: number): string {
	if (!Number.isFinite(value)) return '-';
	let scaled = Math.abs(value);
	let index = 0;
	while (scaled >= 1000 && index < SUFFIXES.length - 1) {
		scaled /= 1000;
		index++;
	}
	const sign = value < 0 ? '-' : '';
	const digits =
		scaled === 0
			? '0'
			: scaled < 10 && (index > 0 || !Number.isInteger(scaled))
				? scaled.toFixed(1).replace(/\.0$/, '')
				: String(Math.round(scaled));
	return `${sign}${digits}${SUFFIXES[index]}`;
}

/** A size in binary units, short: 0 B, 512 B, 1.5 KiB, 12 MiB. */
export function formatBytes(value: number): string {
	if (!Number.isFinite(value)) return '-';
	let scaled = Math.abs(value);
	let index = 0;
	while (scaled >= 1024 && index < BYTE_UNITS.length - 1) {
		scaled /= 1024;
		index++;
	}
	const digits =
		index === 0 ? String(Math.round(scaled)) : scaled < 10 ? scaled.toFixed(1).replace(/\.0$/, '') : String(Math.round(scaled));
	return `${value < 0 ? '-' : ''}${digits} ${BYTE_UNITS[index]}`;
}

/** Records per second in a sentence: 0.5, 9.9, 12, 1,234 (a decimal only below 10). */
export const formatRate = (value: number): string => (value >= 10 ? formatCount(value) : value.toFixed(1));

/** Bytes per second in a sentence, to a tenth of a KiB/s or a hundredth of a MiB/s: 12.5 KiB/s, 1.50 MiB/s. */
export const formatBytesRate = (value: number): string =>
	value >= 1_048_576 ? `${(value / 1_048_576).toFixed(2)} MiB/s` : `${(value / 1024).toFixed(1)} KiB/s`;

/** Each unit of formatDuration, its size in ms, and the value from which the next unit says it. */
const DURATION_UNITS = [
	['ms', 1, 1000],
	['s', 1000, 60],
	['m', 60_000, 60],
	['h', 3_600_000, 24],
	['d', 86_400_000, Number.POSITIVE_INFINITY],
] as const;

/** A duration short, in its largest unit, for columns: 0ms, 850ms, 1.2s, 45s, 3m, 2.5h, 4d. */
export function formatDuration(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms)) return '-';
	for (const [unit, size, limit] of DURATION_UNITS) {
		const value = ms / size;
		const shown = unit !== 'ms' && value < 10 && !Number.isInteger(value) ? Number(value.toFixed(1)) : Math.round(value);
		// Said in the unit it rounds into: 59.6 s is 1m and 23.98 h is 1d, as a column of them reads alike.
		if (Math.abs(shown) < limit) return `${shown}${unit}`;
	}
	return `${Math.round(ms / 86_400_000)}d`;
}

/** A duration as people read it in a sentence, to the second, in two units: 45s, 3m 20s, 5h 12m, 2d 3h. */
export function formatSpan(ms: number): string {
	const seconds = Math.round(Math.max(0, ms) / 1000);
	const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
		small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`;
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return pair(minutes, 'm', seconds % 60, 's');
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return pair(hours, 'h', minutes % 60, 'm');
	return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

/** A wait before a retry: 850 ms, 1.5 s. */
export const formatDelay = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

/** A share as a whole percent, for columns: 0%, 4%, 100%. */
export const formatShare = (share: number): string => `${Math.round(share * 100)}%`;

/** A share to a tenth of a percent (a thousandth when it would read 0.0%): 12.5%, 0.012%. */
export const formatPercent = (share: number): string => `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;

/** `shardId-000000000012` as `12`; other ids as they are. */
export const shortShardId = (shardId: string): string => /^shardId-(\d+)$/.exec(shardId)?.[1]?.replace(/^0+(?=\d)/, '') ?? shardId;

/** A name cut to a width in its middle, keeping more of its end: worker names differ in their last characters. */
export function cutMiddle(text: string, width: number): string {
	if (text.length <= width) return text;
	if (width <= 1) return text.slice(-width);
	const head = Math.floor((width - 1) / 3);
	return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

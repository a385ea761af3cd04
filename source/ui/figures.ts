/** Numbers as the dashboard prints them: short, fixed-ish width, units people read at a glance. */

const SUFFIXES = ['', 'k', 'M', 'G', 'T'] as const;

/** 0, 0.5, 12, 1.2k, 34k, 5.6M. */
export function formatCount(value: number): string {
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

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 0 B, 512 B, 1.5 KiB, 12 MiB. */
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

/** 0ms, 850ms, 1.2s, 45s, 3m, 2.5h, 4d. */
export function formatDuration(ms: number | undefined): string {
	if (ms === undefined || !Number.isFinite(ms)) return '-';
	const abs = Math.abs(ms);
	const one = (value: number, unit: string) =>
		`${value < 10 && !Number.isInteger(value) ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)}${unit}`;
	if (abs < 1000) return `${Math.round(ms)}ms`;
	if (abs < 60_000) return one(ms / 1000, 's');
	if (abs < 3_600_000) return one(ms / 60_000, 'm');
	if (abs < 86_400_000) return one(ms / 3_600_000, 'h');
	return one(ms / 86_400_000, 'd');
}

/** 0%, 4%, 100%. */
export const formatShare = (share: number): string => `${Math.round(share * 100)}%`;

/** `shardId-000000000012` as `12`; other ids as they are. */
export const shortShardId = (shardId: string): string => /^shardId-(\d+)$/.exec(shardId)?.[1]?.replace(/^0+(?=\d)/, '') ?? shardId;

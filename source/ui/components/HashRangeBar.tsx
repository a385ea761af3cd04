import {Text} from './Text.js';
import {useTheme} from '../theme.js';

const KEY_SPACE = 2n ** 128n;

/**
 * Where a hash key range lies in the 128-bit key space, as cells of a bar `width` wide: the cells
 * before it, the cells it covers (at least one), and the cells after.
 */
export function hashRangeCells(
	startingHashKey: string,
	endingHashKey: string,
	width: number,
): {before: number; inside: number; after: number} {
	const cells = Math.max(1, Math.floor(width));
	let start: bigint;
	let end: bigint;
	try {
		start = BigInt(startingHashKey);
		end = BigInt(endingHashKey);
	} catch {
		return {before: 0, inside: 0, after: cells};
	}
	const first = Number((start * BigInt(cells)) / KEY_SPACE);
	// The cell that holds the range's last key, rounded up so that adjacent ranges meet without a gap.
	const last = Number(((end + 1n) * BigInt(cells) + KEY_SPACE - 1n) / KEY_SPACE);
	const before = Math.min(cells - 1, Math.max(0, first));
	const inside = Math.max(1, Math.min(cells, last) - before);
	return {before, inside, after: Math.max(0, cells - before - inside)};
}

/** A shard's hash range drawn across the key space: filled where the shard owns keys. */
export function HashRangeBar({
	startingHashKey,
	endingHashKey,
	width,
	open = true,
	hot = false,
}: {
	readonly startingHashKey: string;
	readonly endingHashKey: string;
	readonly width: number;
	readonly open?: boolean;
	readonly hot?: boolean;
}) {
	const theme = useTheme();
	const {before, inside, after} = hashRangeCells(startingHashKey, endingHashKey, width);
	const fill = open ? '█' : '▒';
	return (
		<Text>
			<Text color={theme.muted}>{'·'.repeat(before)}</Text>
			<Text color={!open ? theme.muted : hot ? theme.warning : theme.accent}>{fill.repeat(inside)}</Text>
			<Text color={theme.muted}>{'·'.repeat(after)}</Text>
		</Text>
	);
}

import meow, {type AnyFlags, type Result} from 'meow';
import {UsageError} from './command.js';

/** Flags every command answers besides its own (meow prints these itself). */
const builtIn = ['help', 'version'];

/**
 * Parses a command's arguments with meow, after refusing any flag the command does not know.
 * meow keeps unknown flags by default, so `--dryrun` for `--dry-run` would be taken silently and
 * the change made; its own strict mode exits without naming the flag the user meant.
 */
export function parseCommandLine<Flags extends AnyFlags>(help: string, argv: readonly string[], flags: Flags): Result<Flags> {
	const problem = unknownFlagProblem(argv, flags);
	if (problem !== undefined) throw new UsageError(problem);
	return meow(help, {importMeta: import.meta, argv: [...argv], flags});
}

/**
 * Why the arguments name a flag that is not one of `flags`, or undefined when all are known. With
 * `untilWord`, only the flags before the first word that is no flag's value are read: the console's
 * own, which come before a command's name (meow hands the rest to the command's parser).
 */
export function unknownFlagProblem(
	argv: readonly string[],
	flags: AnyFlags,
	options: {readonly untilWord?: boolean} = {},
): string | undefined {
	const known = new Map<string, boolean>(); // spelling as typed → takes a value
	for (const [key, flag] of Object.entries(flags)) {
		const takesValue = flag.type !== 'boolean';
		known.set(kebabCase(key), takesValue);
		if (flag.shortFlag) known.set(flag.shortFlag, takesValue);
		for (const alias of flag.aliases ?? []) known.set(alias, takesValue);
	}
	for (const name of builtIn) known.set(name, false);

	for (let index = 0; index < argv.length; index++) {
		const token = argv[index] ?? '';
		if (token === '--') break;
		if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
			if (options.untilWord) break;
			continue;
		}
		const name = token.replace(/^--?/, '').split('=')[0] ?? '';
		const positive = name.startsWith('no-') && known.get(name.slice(3)) === false ? name.slice(3) : name;
		const takesValue = known.get(positive);
		if (takesValue === undefined) return unknownFlagText(token.split('=')[0] ?? token, spellings(known));
		if (takesValue && !token.includes('=')) index++; // its value, which may itself start with '-'
	}
	return undefined;
}

function unknownFlagText(typed: string, known: readonly string[]): string {
	const name = typed.replace(/^--?/, '');
	const nearest = known
		.filter((candidate) => candidate.length > 1)
		.map((candidate) => ({candidate, distance: editDistance(name, candidate)}))
		.sort((a, b) => a.distance - b.distance)[0];
	// A suggestion only when it is plausibly what was meant: at most a third of the name differs.
	const hint = nearest && nearest.distance <= Math.max(1, Math.floor(name.length / 3)) ? ` Did you mean --${nearest.candidate}?` : '';
	return `unknown option ${typed}.${hint}`;
}

/** Every way a known flag may be typed: booleans also as --no-<name>. */
const spellings = (known: ReadonlyMap<string, boolean>): string[] =>
	[...known].flatMap(([name, takesValue]) => (takesValue ? [name] : [name, `no-${name}`]));

const kebabCase = (key: string): string => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Levenshtein distance, with a transposition counted as one edit (`--form` for `--from`). */
function editDistance(a: string, b: string): number {
	const rows = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			const row = rows[i]!;
			const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
			row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, substitution);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
		}
	}
	return rows[a.length]![b.length]!;
}

/**
 * `--shard-limit` of `engine` and of the console with `--local`: DescribeLimits' ShardLimit ranges from
 * 0 to 1,000,000 in the service model.
 */
/** --quota-share: the fraction of each of AWS's API quotas the console may use. */
export function parseQuotaShare(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const share = Number(value);
	if (!/^\d*\.?\d+$/.test(value.trim()) || !(share > 0 && share <= 1))
		throw new UsageError(`--quota-share must be a fraction above 0 and at most 1 (0.25 is the default), not '${value}'.`);
	return share;
}

export function parseShardLimit(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const limit = Number(value);
	if (!/^\d+$/.test(value) || limit > 1_000_000)
		throw new UsageError(`--shard-limit must be a whole number from 0 to 1000000, not '${value}'.`);
	return limit;
}

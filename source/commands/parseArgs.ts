import meow, {type AnyFlags, type Result} from 'meow';
import {UsageError} from './command.js';

/** Flags every command answers besides its own (meow prints these itself). */
const builtIn = ['help', 'version'];

/**
 * Parses a command's arguments with meow, after refusing any flag the command does not know and any
 * flag that needs a value and has none. meow keeps unknown flags by default, so `--dryrun` for
 * `--dry-run` would be taken silently and the change made; its own strict mode exits without naming
 * the flag the user meant. And a flag left without its value (`--endpoint-url` at the end, or before
 * another flag) would reach meow as empty, which reads as "not given": the call would go to AWS itself.
 */
export function parseCommandLine<Flags extends AnyFlags>(help: string, argv: readonly string[], flags: Flags): Result<Flags> {
	// --help anywhere shows the help and does nothing else: meow shows it only when it is the one argument,
	// and `scale s 2 --help --yes` made the change.
	if (asksForHelp(argv)) meow(help, {importMeta: import.meta, argv: [], flags}).showHelp(0);
	const read = readFlags(argv, flags);
	if ('problem' in read) throw new UsageError(read.problem);
	return meow(help, {importMeta: import.meta, argv: read.argv, flags});
}

/** Whether --help is among the arguments (before any `--`, after which words are values). */
export function asksForHelp(argv: readonly string[]): boolean {
	const end = argv.indexOf('--');
	return (end < 0 ? argv : argv.slice(0, end)).includes('--help');
}

/**
 * The arguments with the flags before the first word (the console's own, before a command's name) each
 * joined to its value, as meow must be given them (`--data-dir -x` would be an empty --data-dir and a flag
 * -x); or why one of those flags is unknown, has no value, or a value not among its choices.
 */
export function consoleArguments(argv: readonly string[], flags: AnyFlags): {readonly argv: string[]} | {readonly problem: string} {
	return readFlags(argv, flags, {untilWord: true});
}

/** The flags (each joined to its value) before the first word of the arguments: the console's own, before a command's name. */
export function leadingFlags(argv: readonly string[], flags: AnyFlags): string[] {
	const read = readFlags(argv, flags, {untilWord: true});
	if ('problem' in read) return [];
	const word = read.argv.findIndex((token) => token === '--' || isWord(token));
	return word < 0 ? read.argv : read.argv.slice(0, word);
}

/**
 * The arguments checked, each flag's value joined to it (`--from=-5m`, `--file=-`): meow would take a
 * value that starts with '-' for a flag or a word of its own, and leave the flag empty.
 */
function readFlags(
	argv: readonly string[],
	flags: AnyFlags,
	options: {readonly untilWord?: boolean} = {},
): {readonly argv: string[]} | {readonly problem: string} {
	const known = new Map<string, AnyFlags[string]>(); // spelling as typed → the flag
	for (const [key, flag] of Object.entries(flags)) {
		known.set(kebabCase(key), flag);
		if (flag.shortFlag) known.set(flag.shortFlag, flag);
		for (const alias of flag.aliases ?? []) known.set(alias, flag);
	}
	for (const name of builtIn) known.set(name, {type: 'boolean'});

	const read: string[] = [];
	for (let index = 0; index < argv.length; index++) {
		const token = argv[index] ?? '';
		const word = isWord(token);
		if (token === '--' || (word && options.untilWord)) {
			read.push(...argv.slice(index));
			break;
		}
		if (word) {
			read.push(token);
			continue;
		}
		const [typed = token, ...after] = token.split('=');
		const name = typed.replace(/^--?/, '');
		const positive = name.startsWith('no-') && known.get(name.slice(3))?.type === 'boolean' ? name.slice(3) : name;
		const flag = known.get(positive);
		if (flag === undefined) return {problem: unknownFlagText(typed, spellings(known))};
		if (flag.type === 'boolean') {
			// meow would read `--no-follow=true` as a flag of its own, named noFollow, and follow all the same.
			if (positive !== name && token.includes('='))
				return {problem: `${typed} takes no value (write --${positive}=false, or ${typed} alone).`};
			read.push(token);
			continue;
		}
		// The value: after '=', or the next argument, which may start with '-' (-5m, '-' for stdin) but is no flag.
		const joined = token.includes('=');
		const value = joined ? after.join('=') : argv[index + 1];
		if (value === undefined || value === '' || (!joined && value.startsWith('--')))
			return {
				problem: `${typed} needs a value${value?.startsWith('--') === true ? ` (write ${typed}=VALUE for one that starts with --)` : ''}.`,
			};
		const choices = (flag as {choices?: readonly unknown[]}).choices;
		if (choices !== undefined && !choices.includes(value))
			return {problem: `${typed} must be one of ${choices.join(', ')}, not '${value}'.`};
		read.push(`${typed}=${value}`);
		if (!joined) index++;
	}
	return {argv: read};
}

/** A word rather than a flag: a command's name, a positional argument, '-' (stdin), a negative number. */
const isWord = (token: string): boolean => !token.startsWith('-') || token === '-' || /^-\d/.test(token);

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
const spellings = (known: ReadonlyMap<string, AnyFlags[string]>): string[] =>
	[...known].flatMap(([name, flag]) => (flag.type === 'boolean' ? [name, `no-${name}`] : [name]));

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

/** --quota-share: the fraction of each of AWS's API quotas the console may use. */
export function parseQuotaShare(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const share = Number(value);
	if (!/^\d*\.?\d+$/.test(value.trim()) || !(share > 0 && share <= 1))
		throw new UsageError(`--quota-share must be a fraction above 0 and at most 1 (0.25 is the default), not '${value}'.`);
	return share;
}

/**
 * `--shard-limit` of `engine` and of the console with `--local`: DescribeLimits' ShardLimit ranges from
 * 0 to 1,000,000 in the service model.
 */
export function parseShardLimit(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const limit = Number(value);
	if (!/^\d+$/.test(value) || limit > 1_000_000)
		throw new UsageError(`--shard-limit must be a whole number from 0 to 1000000, not '${value}'.`);
	return limit;
}

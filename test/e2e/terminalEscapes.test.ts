import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {mapLimited} from '../../source/console/mapLimited.js';
import {cliEnv} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {cliPath} from '../helpers/engineProcess.js';
import {
	ESCAPES,
	everyEscape,
	marked,
	rawEscapesIn,
	startHostileEndpoint,
	type EscapeName,
	type HostileEndpoint,
} from '../helpers/hostileEndpoint.js';
import {createLeaseTable, createStream, dynamoClient, putLease} from '../helpers/leaseTables.js';
import {Terminal, hasTmux, readRecording} from '../helpers/terminal.js';

/**
 * Terminal escape sequences in what an endpoint returns (stream names, statuses, shard ids, consumer
 * names, error messages) and in what producers wrote (record data, partition keys, lease owners) never
 * reach the terminal raw: the built binary's output on a pseudo-terminal is read byte for byte, the
 * subcommands' and the console's in tmux (recorded by `script` before tmux interprets it), and the
 * sequences must be there only as visible stand-ins (␛[2J). The window title stays as it was.
 */

const run = promisify(execFile);
const tmux = await hasTmux();
const NAMES = Object.keys(ESCAPES) as EscapeName[];
/** Where the first control character other than newline (CR LF on a terminal) and tab, or bidi override, is; -1 for none. */
function controlAt(text: string, allowEscape = false): number {
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code === 0x0a || code === 0x09 || (allowEscape && code === 0x1b)) continue;
		if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069))
			return index;
	}
	return -1;
}

interface Run {
	readonly output: string;
	readonly code: number;
}

/** Runs the built CLI with a pseudo-terminal as stdout and stderr (`script`), and returns every byte it wrote, as text. */
async function onTerminal(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
	const command = [process.execPath, cliPath, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
	try {
		const {stdout} = await run('script', ['-qec', command, '/dev/null'], {
			env: {...cliEnv(env), TERM: 'xterm-256color', LANG: 'C.UTF-8'},
			timeout: 60_000,
			maxBuffer: 64 * 1024 * 1024,
		});
		return {output: stdout, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; code?: number};
		return {output: failed.stdout ?? '', code: typeof failed.code === 'number' ? failed.code : -1};
	}
}

/**
 * What a run printed, with the terminal's CR LF as LF and without the one sequence the subcommands write
 * themselves (a progress line on stderr, rubbed out with CR ESC [K): every control character left is a leak.
 */
function expectNoControlCharacters(run: Run, what: string): void {
	const text = run.output
		.replaceAll('\r\n', '\n')
		.replaceAll('\r\u001b[K', '')
		.replace(/\.\.\.\r/g, '...');
	expect(rawEscapesIn(text), what).toEqual([]);
	const leak = controlAt(text);
	expect(leak === -1 ? undefined : JSON.stringify(text.slice(Math.max(0, leak - 40), leak + 40)), what).toBeUndefined();
}

describe('escape sequences from an endpoint or a record', () => {
	let hostile: HostileEndpoint;
	let engine: Engine;
	let kinesis: KinesisClient;
	/** Every byte the runs printed, for the figures. */
	let bytesChecked = 0;
	const ENGINE_STREAM = 'escapes';

	beforeAll(async () => {
		hostile = await startHostileEndpoint();
		// The engine checks names, so there the sequences ride in what producers write: data, keys, lease owners.
		engine = await startEngine();
		kinesis = kinesisClient(engine.url);
		await createStream(kinesis, ENGINE_STREAM, 1);
		await kinesis.send(
			new PutRecordsCommand({
				StreamName: ENGINE_STREAM,
				Records: NAMES.map((name, index) => ({
					PartitionKey: `key${marked(name)}`,
					Data: Buffer.from(index % 2 === 0 ? `data ${marked(name)}` : JSON.stringify({message: marked(name)})),
				})),
			}),
		);
		const dynamo = dynamoClient(engine.url);
		await createLeaseTable(dynamo, 'escapes-app');
		await putLease(dynamo, 'escapes-app', 'shardId-000000000000', {owner: `worker${everyEscape()}`});
		dynamo.destroy();
	});

	afterAll(async () => {
		kinesis?.destroy();
		await engine?.close();
		await hostile?.close();
	});

	const all = () => hostile.streams.find((name) => name.startsWith('all')) ?? '';

	it('the subcommands print them as visible stand-ins, on stdout and stderr, plain and --json', async () => {
		const endpoint = ['--endpoint-url', hostile.url];
		const local = ['--endpoint-url', engine.url];
		// Each run is a process of its own, reading only: three at a time.
		const asked: Array<[string, readonly string[]]> = [
			['streams', ['streams', ...endpoint]],
			['describe', ['describe', all(), ...endpoint]],
			['tail', ['tail', all(), '--from', 'trim-horizon', '--no-follow', ...endpoint]],
			['tail --json', ['tail', all(), '--from', 'trim-horizon', '--no-follow', '--json', ...endpoint]],
			['tail --decode utf8', ['tail', all(), '--from', 'trim-horizon', '--no-follow', '--decode', 'utf8', ...endpoint]],
			['consumers', ['consumers', all(), ...endpoint]],
			['find-shard', ['find-shard', all(), `key${marked('clear screen')}`, ...endpoint]],
			['split --dry-run', ['split', all(), 'shardId-000000000000', '--dry-run', ...endpoint]],
			['describe of a stream that fails', ['describe', hostile.broken, ...endpoint]],
			['put refused', ['put', all(), '--partition-key', 'k', 'one', 'two', ...endpoint]],
			['tail on the engine', ['tail', ENGINE_STREAM, '--from', 'trim-horizon', '--no-follow', ...local]],
			['consumers on the engine', ['consumers', ENGINE_STREAM, ...local]],
			['checkpoints on the engine', ['checkpoints', ENGINE_STREAM, '--app', 'escapes-app', ...local]],
		];
		const runs = await mapLimited(asked, 3, async ([what, args]): Promise<[string, Run]> => [what, await onTerminal(args)]);
		for (const [what, result] of runs) {
			bytesChecked += Buffer.byteLength(result.output);
			expectNoControlCharacters(result, what);
		}
		const text = (what: string) => runs.find(([name]) => name === what)?.[1].output ?? '';
		// What was refused is still said, with the sequences shown.
		expect(text('streams')).toContain('evil-0«clear screen»␛[2J«/»');
		expect(text('streams')).toContain('ACTIVE«clear screen»␛[2J«/»');
		expect(text('describe')).toContain('shardId-000000000001«cursor home»␛[H«/»');
		expect(text('tail')).toContain('key«window title (OSC 0, BEL)»␛]0;PWNED-TITLE␇«/»');
		expect(text('tail')).toContain('«C1 CSI clear screen»\\x9b2J«/»');
		expect(text('tail --json')).toContain('\\u009b2J');
		expect(text('consumers')).toContain('consumer«window title (OSC 2, ST)»␛]2;PWNED-TITLE2␛\\«/»');
		expect(text('describe of a stream that fails')).toMatch(/Stream broken«clear screen»␛\[2J«\/»/);
		expect(runs.find(([name]) => name === 'describe of a stream that fails')?.[1].code).not.toBe(0);
		expect(text('put refused')).toContain('refused: «clear screen»␛[2J«/»');
		expect(text('tail on the engine')).toContain('key«bell»␇«/»');
		expect(text('tail on the engine')).toContain('data «clear screen»␛[2J«/»');
		expect(text('checkpoints on the engine')).toContain('worker«clear screen»␛[2J«/»');
	}, 120_000);

	describe.skipIf(!tmux)('the console', () => {
		let dir: string;
		let term: Terminal | undefined;

		beforeAll(async () => {
			dir = await mkdtemp(join(tmpdir(), 'kc-escapes-'));
		});

		afterAll(async () => {
			await term?.kill();
			await rm(dir, {recursive: true, force: true});
		});

		it('shows names, statuses, records, keys, consumers and errors with the sequences neutralised, and its title is its own', async () => {
			const record = join(dir, 'console.raw');
			term = await Terminal.start(['--endpoint-url', hostile.url], {columns: 160, rows: 48, record});
			const titleBefore = await term.title();
			const screens: string[] = [];
			const see = async (expected: string | RegExp | ((screen: string) => boolean), timeoutMs?: number) => {
				const screen = await term!.waitFor(expected, timeoutMs);
				screens.push(screen);
				return screen;
			};

			const list = await see('evil-0«clear screen»␛[2J«/»');
			expect(list).toContain('ACTIVE«clear screen»␛[2J«/»');
			// The stream with every sequence in its name: its dashboard (shards, status, the live reader's keys, history refused).
			await term.press('/');
			await term.type('all');
			await term.press('enter', 'enter');
			const dashboard = await see((screen) => screen.includes('«cursor home»␛[H«/»') && screen.includes('history unavailable'));
			// The parent's id, cut to its column (its end kept), with its sequence neutralised.
			expect(dashboard).toContain('049h«/»');
			// Its tail: keys and data (the endpoint hands its records to any iterator, LATEST too).
			await term.press('t');
			const tail = await see('34 buffered of 34');
			expect(tail).toContain('key«clear screen»␛[2J«/»  record of shardId-000000000000 «clear screen»␛[2J«/»');
			expect(tail).toContain('key«bell»␇«/»');
			// A record in full.
			await term.press('enter');
			await see('Partition key');
			await term.press('escape', 'escape');
			// Its consumers: the names (and DynamoDB's refusal, with its message).
			await see('HASH RANGE');
			await term.press('c');
			await see((screen) => screen.includes('consumer«window title (OSC 2, ST)»␛]2;PWNED-TITLE2␛\\«/»'));
			await term.press('escape', 'escape');
			await see('filter: all');
			await term.press('q');
			expect(await term.waitForExit(10_000)).toBe(0);

			const raw = await readRecording(record);
			bytesChecked += Buffer.byteLength(raw);
			// None of the sequences as sent; no C1 control, OSC, DCS or bell from anywhere in the output.
			expect(rawEscapesIn(raw)).toEqual([]);
			// The console's own output is SGR colours and cursor moves (ESC [ ... ), and CR LF.
			const leak = controlAt(raw.replaceAll('\r\n', '\n').replaceAll('\r', ''), true);
			expect(leak === -1 ? undefined : JSON.stringify(raw.slice(Math.max(0, leak - 40), leak + 40))).toBeUndefined();
			for (const introducer of [']', 'P', '^', '_', 'X']) expect(raw, `ESC ${introducer}`).not.toContain(`\u001b${introducer}`);
			expect(raw).not.toContain('PWNED-TITLE\u0007');
			expect(await term.title()).toBe(titleBefore);
			expect(await term.title()).not.toMatch(/PWNED/);
			for (const screen of screens) expect(controlAt(screen)).toBe(-1);
			console.log(`escape sequences tried: ${NAMES.length}; bytes of terminal output checked: ${bytesChecked.toLocaleString('en-US')}`);
		}, 120_000);
	});
});

import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {NoticeStore} from '../../source/console/notices.js';
import type {TailStore, TailSettings} from '../../source/console/tailStore.js';
import type {Route} from '../../source/ui/navigation.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {kinesisClient} from '../helpers/engine.js';
import {fakeTailStore, FakeTail, record, typeInto, until} from '../helpers/tailSource.js';
import {press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';

const unreachable = 'http://127.0.0.1:9';
const client = kinesisClient(unreachable, 'http1');

/** The app on a tail route, with the tail store over a fake tail the test writes to. */
function renderTail(route: Route = {kind: 'tail', stream: 'clickstream'}, storeOptions: Partial<TailSettings> = {}) {
	const fake = new FakeTail();
	const notices = new NoticeStore();
	const stores: TailStore[] = [];
	const services = testServices(client, unreachable, {
		notices,
		tail: (options) => {
			const {store} = fakeTailStore({...options, ...storeOptions}, fake, notices);
			stores.push(store);
			return store;
		},
	});
	const app = renderApp(services, renderRoute, {initialRoute: route});
	const frame = (check: (text: string) => boolean) => waitForFrame(app.lastFrame, check);
	return {app, fake, notices, stores, frame};
}

const json = (value: unknown) => JSON.stringify(value);

describe('the tail view', () => {
	let directory: string;
	let cwd: string;
	beforeAll(() => {
		// Saving defaults to the working directory: make it a scratch one.
		directory = mkdtempSync(join(tmpdir(), 'tail-view-'));
		cwd = process.cwd();
		process.chdir(directory);
	});
	afterEach(() => cleanup());
	afterAll(() => {
		process.chdir(cwd);
		rmSync(directory, {recursive: true, force: true});
		client.destroy();
	});

	it('says how many shards are still starting while a big start is under way', async () => {
		const {fake, frame} = renderTail();
		await frame((text) => text.includes('Loading the tail of clickstream'));
		const ids = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
		fake.push(
			{
				type: 'shards',
				shards: ids.map((shardId) => ({
					ShardId: shardId,
					HashKeyRange: {StartingHashKey: '0', EndingHashKey: '1'},
					SequenceNumberRange: {StartingSequenceNumber: '1'},
				})),
			},
			...ids.map((shardId) => ({type: 'shard-started' as const, shardId, position: {type: 'LATEST' as const}})),
		);
		await frame((text) => text.includes('clickstream · all shards (3 starting) · from LATEST'));
		fake.push({type: 'polled', shardId: 'shardId-000000000001', millisBehindLatest: 0, atMs: Date.now()});
		await frame((text) => text.includes('all shards (1 reading, 2 starting)'));
		fake.push(
			{type: 'polled', shardId: 'shardId-000000000000', millisBehindLatest: 0, atMs: Date.now()},
			{type: 'polled', shardId: 'shardId-000000000002', millisBehindLatest: 0, atMs: Date.now()},
		);
		await frame((text) => text.includes('all shards (3 reading) · from LATEST'));
	});

	it('shows loading, then waiting, then records one line each with shard, sequence, time, key and data, sanitized', async () => {
		const {app, fake, frame} = renderTail();
		await frame((text) => text.includes('Loading the tail of clickstream'));
		fake.started(['shardId-000000000000', 'shardId-000000000003']);
		await frame((text) => text.includes('Waiting for records from LATEST'));
		const arrival = new Date(2024, 4, 1, 10, 20, 30, 456);
		fake.records([record(json({page: '/checkout', user: 42}), {key: 'user-42', shardId: 'shardId-000000000003', arrival})]);
		fake.records([record('evil \u001b[2J\u001b]0;pwned\u0007 text', {key: 'key-\u001b[31m'})]);
		const shown = await frame((text) => text.includes('key-␛[31m'));
		// The calls per second are measured, so whatever the last second held; both shards answered (records from each).
		expect(shown).toMatch(/● following · \d+ records\/s · [\d.]+ calls\/s · 2 buffered of 2/);
		expect(shown).toContain('clickstream · all shards (2 reading) · from LATEST · decode auto');
		expect(shown).toMatch(/TIME +SHARD +SEQUENCE +KEY +DATA/);
		expect(shown).toMatch(/10:20:30\.456 {2}3 +\.\.\d{11} {2}user-42 +\{"page":"\/checkout","user":42\}/);
		// Control characters make auto show hex; as text they are shown, never obeyed.
		expect(shown).toMatch(/› .*key-␛\[31m +6576696c201b5b324a/);
		app.stdin.write('d');
		const text = await frame((frame) => frame.includes('decode utf8'));
		expect(text).toContain('evil ␛[2J␛]0;pwned␇ text');
		expect(app.lastFrame()).not.toContain('\u001b[2J');
		expect(app.lastFrame()).not.toContain('\u001b]0;');
		app.unmount();
	});

	it("shows the digits of the sequence numbers that tell the rows apart, for AWS's numbers and the engine's", async () => {
		// AWS's form (56 digits): hex 2|shard time|shard|counter|time|shard|2, the counter one apart from row to row.
		const aws = (counter: number) => BigInt(`0x205bf4e5c26${counter.toString(16).padStart(16, '0')}0005c181eea000000062`).toString();
		// The engine's form (42 digits): 4|stream creation ms|position|shard index, positions ten apart.
		const engine = (position: number) =>
			`4${'1733400000000'.padStart(14, '0')}${String(position).padStart(17, '0')}${'3'.padStart(10, '0')}`;
		for (const [name, sequences] of [
			['aws', [0x67648a17, 0x67648a18, 0x67648a19].map(aws)],
			['engine', [1733400000123000, 1733400000123010, 1733400000123020].map(engine)],
		] as const) {
			const {app, fake, frame} = renderTail();
			fake.started();
			fake.records(sequences.map((sequenceNumber, n) => record(`row-${name}-${n}`, {sequenceNumber, shardId: 'shardId-000000000006'})));
			const shown = await frame((text) => text.includes(`row-${name}-2`));
			const cells = sequences.map((sequence, n) => {
				const line = shown.split('\n').find((text) => text.includes(`row-${name}-${n}`)) ?? '';
				const cell = /^. \S+ {2}6 +(\S+)/.exec(line)?.[1] ?? '';
				const digits = cell.replaceAll('.', '');
				expect(sequence, `${name} row ${n}: ${line}`).toContain(digits);
				// Not the tail of the number: AWS's last digits are noise, the engine's the shard's index.
				expect(sequence.endsWith(digits), `${name} row ${n}: ${cell}`).toBe(false);
				return cell;
			});
			expect(new Set(cells).size, `${name}: ${cells.join(' ')}`).toBe(3);
			app.unmount();
		}
	});

	it('filters with /, says when nothing matches, and Esc clears the filter', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		fake.records(['INFO', 'ERROR', 'INFO', 'ERROR'].map((level, index) => record(json({level, n: index}))));
		await frame((text) => text.includes('"n":3'));
		app.stdin.write('/');
		await frame((text) => text.includes('all must match'));
		await typeInto(app, '/', 'json:level=ERROR');
		app.stdin.write(press.enter);
		const filtered = await frame((text) => text.includes('filter json:level=ERROR') && !text.includes('"n":2'));
		expect(filtered).toContain('2 match');
		expect(filtered).toContain('"n":1');
		expect(filtered).toContain('"n":3');

		app.stdin.write('/');
		await frame((text) => text.includes('all must match'));
		// The filter opens selected: → keeps it to add to it (typing alone would replace it).
		app.stdin.write(press.right);
		await typeInto(app, '/', ' bad:x');
		app.stdin.write(press.enter);
		await frame((text) => text.includes('unknown filter kind "bad"'));
		app.stdin.write(press.escape);
		await frame((text) => !text.includes('unknown filter kind') && text.includes('filter json:level=ERROR'));

		app.stdin.write('/');
		await frame((text) => text.includes('all must match'));
		app.stdin.write(press.right);
		await typeInto(app, '/', ' json:n=7');
		app.stdin.write(press.enter);
		await frame((text) => text.includes('No record matches json:level=ERROR json:n=7 (4 records read since it was set).'));
		fake.records([record(json({level: 'INFO', n: 4}))]);
		await frame((text) => text.includes('No record matches json:level=ERROR json:n=7 (5 records read since it was set).'));

		app.stdin.write(press.escape);
		const cleared = await frame((text) => !text.includes('filter json') && text.includes('"n":2'));
		expect(cleared).toContain('clickstream');
		app.unmount();
	});

	it('says that a filter matches nothing, before any record came and after', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		await frame((text) => text.includes('Waiting for records'));
		app.stdin.write('/');
		await frame((text) => text.includes('all must match'));
		await typeInto(app, '/', 'text:foo');
		app.stdin.write(press.enter);
		await frame((text) => text.includes('No record matches text:foo (none read since it was set).'));
		fake.records([record('bar'), record('baz')]);
		const none = await frame((text) => text.includes('No record matches text:foo (2 records read since it was set).'));
		expect(none).toContain('0 match');
		app.unmount();
	});

	it('matches the quotes of a filter as typed, and says how quoting works', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		fake.records([
			record(json({eventType: 'click', n: 1})),
			record(json({eventType: 'view', n: 2})),
			record(json({note: 'eventType:click', n: 3})),
		]);
		await frame((text) => text.includes('"n":3'));
		app.stdin.write('/');
		const help = await frame((text) => text.includes('all must match'));
		expect(help).toContain(`Quotes are matched as typed (text:"level":"ERROR"); 'text:a b' keeps a space`);
		await typeInto(app, '/', 'text:"eventType":"click"');
		app.stdin.write(press.enter);
		const filtered = await frame((text) => text.includes('filter text:"eventType":"click"') && !text.includes('"n":2'));
		expect(filtered).toContain('1 match');
		expect(filtered).toContain('"n":1');
		expect(filtered).not.toContain('"n":3');
		app.unmount();
	});

	it('changes the decoding with d, pauses with p, scrolls, and follows again with f', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		fake.records([record('{"a": 1}'), record('hello')]);
		await frame((text) => text.includes('hello'));
		app.stdin.write('d');
		await frame((text) => text.includes('decode utf8') && text.includes('{"a": 1}'));
		app.stdin.write('d');
		app.stdin.write('d');
		app.stdin.write('d');
		const hex = await frame((text) => text.includes('decode hex'));
		expect(hex).toContain('68656c6c6f');

		app.stdin.write('p');
		// Paused, the shard's reader is held, not reading.
		await frame((text) => text.includes('⏸ paused') && text.includes('all shards (1 held)'));
		fake.records([record('while paused')]);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(stripVTControlCharacters(app.lastFrame() ?? '')).not.toContain(Buffer.from('while paused').toString('hex'));
		app.stdin.write(' ');
		await frame((text) => text.includes('● following') && text.includes(Buffer.from('while paused').toString('hex')));

		app.stdin.write('k');
		const scrolled = await frame((text) => text.includes('◦ scrolled (f follows)'));
		expect(scrolled).toMatch(/› .*68656c6c6f/);
		fake.records([record('later')]);
		await frame((text) => text.includes('4 buffered'));
		app.stdin.write('f');
		await frame((text) => text.includes('● following') && /› .*6c61746572/.test(text));

		// f while paused resumes, as in less and k9s: what arrived meanwhile is shown, and what comes after.
		app.stdin.write('p');
		await frame((text) => text.includes('⏸ paused'));
		fake.records([record('held')]);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(stripVTControlCharacters(app.lastFrame() ?? '')).not.toContain(Buffer.from('held').toString('hex'));
		app.stdin.write('f');
		await frame((text) => text.includes('● following') && /› .*68656c64/.test(text));
		fake.records([record('after')]);
		await frame((text) => text.includes('● following') && /› .*6166746572/.test(text));
		app.unmount();
	});

	it('opens a record in full with Enter: every field, the data decoded and wrapped; Esc closes', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		const long = 'x'.repeat(250);
		fake.records([record(json({user: {id: 42, name: 'Ada\u001b[5m'}, note: long}), {key: 'user-42'})]);
		await frame((text) => text.includes('user-42'));
		app.stdin.write(press.enter);
		const inspector = await frame((text) => text.includes('Sequence number'));
		expect(inspector).toContain('Stream           clickstream');
		expect(inspector).toContain('Shard            shardId-000000000000');
		expect(inspector).toContain('Partition key    user-42');
		expect(inspector).toMatch(/Size +\d+ bytes/);
		expect(inspector).toContain('decoder auto · shown as json');
		expect(inspector).toContain('"id": 42');
		expect(inspector).toContain('"name": "Ada\\u001b[5m"');
		// Wrapped to the width, not cut.
		const xs = inspector.split('\n').filter((line) => /^[x"]/.test(line.trim()) && line.includes('xxxx'));
		expect(xs.join('').replaceAll(/[^x]/g, '')).toHaveLength(250);
		expect(inspector).toMatch(/lines 1–\d+ of \d+/);

		app.stdin.write('d');
		await frame((text) => text.includes('decoder utf8 · shown as utf8'));
		app.stdin.write(press.escape);
		await frame((text) => text.includes('TIME') && !text.includes('Sequence number'));
		app.unmount();
	});

	it('starts from another position with o, and refuses a sequence number for the whole stream', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		fake.records([record('before')]);
		await frame((text) => text.includes('before'));
		app.stdin.write('o');
		await frame((text) => text.includes('Start from: trim-horizon'));
		await typeInto(app, 'from: ', 'trim-horizon');
		app.stdin.write(press.enter);
		await frame((text) => text.includes('from TRIM_HORIZON') && !text.includes('before'));
		expect(fake.runs).toHaveLength(2);
		expect(fake.runs[0]?.options.signal?.aborted).toBe(true);
		expect(fake.current.options.from).toEqual({type: 'TRIM_HORIZON'});
		fake.started();
		fake.records([record('from the start')]);
		await frame((text) => text.includes('from the start'));

		app.stdin.write('o');
		await frame((text) => text.includes('Start from: trim-horizon'));
		await typeInto(app, 'from: ', 'at:49650000000000000000000000000000000000000000000000000001');
		app.stdin.write(press.enter);
		await frame((text) => text.includes('A sequence number belongs to one shard'));
		app.stdin.write(press.escape);
		await frame((text) => !text.includes('A sequence number belongs'));
		expect(fake.runs).toHaveLength(2);

		// A time to come is refused at the prompt, in words, rather than by Kinesis once the tail restarts.
		const future = new Date(Date.now() + 3_600_000).toISOString();
		app.stdin.write('o');
		await frame((text) => text.includes('Start from: trim-horizon'));
		await typeInto(app, 'from: ', future);
		app.stdin.write(press.enter);
		const refused = await frame((text) => text.includes('is in the future'));
		expect(refused).toContain(`${future} is in the future`);
		expect(fake.runs).toHaveLength(2);
		app.stdin.write(press.escape);
		await frame((text) => !text.includes('is in the future') && text.includes('from TRIM_HORIZON'));
		app.unmount();

		const shard = renderTail({kind: 'tail', stream: 'clickstream', shardId: 'shardId-000000000001'});
		await shard.frame((text) => text.includes('clickstream · shardId-000000000001'));
		expect(shard.fake.current.options.shards).toEqual(['shardId-000000000001']);
		shard.app.stdin.write('o');
		await shard.frame((text) => text.includes('at:SEQ or after:SEQ'));
		await typeInto(shard.app, 'from: ', 'after:49650000000000000000000000000000000000000000000000000001');
		shard.app.stdin.write(press.enter);
		await shard.frame((text) => text.includes('from after sequence 4965'));
		shard.app.unmount();
	});

	it('saves what is shown to a JSON lines file, and asks before overwriting one', async () => {
		// A clock that stands still, so that the default file name is the same both times.
		const {app, fake, frame, notices} = renderTail(undefined, {now: () => Date.parse('2024-05-01T10:00:00.000Z')});
		fake.started();
		fake.records([record(json({level: 'ERROR'}), {key: 'a'}), record(json({level: 'INFO'}), {key: 'b'})]);
		await frame((text) => text.includes('INFO'));
		app.stdin.write('s');
		const prompt = await frame((text) => text.includes('Save the 2 records shown when s was pressed as JSON lines'));
		expect(prompt).toContain('save to: ./clickstream-2024-05-01T10-00-00Z.jsonl');
		// Records that come while the prompt is open are not counted, nor written.
		fake.records([record(json({level: 'DEBUG'}), {key: 'c'})]);
		await frame((text) => text.includes('3 buffered'));
		expect(stripVTControlCharacters(app.lastFrame() ?? '')).toContain('Save the 2 records shown when s was pressed');
		app.stdin.write(press.enter);
		await until(notices.getSnapshot, (notice) => notice?.text.startsWith('Saved 2 records') === true);
		// Said in full under the records, whatever the header has room for.
		await frame((text) => text.includes('Saved 2 records to ./clickstream-2024-05-01T10-00-00Z.jsonl'));
		const files = readdirSync(directory).filter((name) => name.startsWith('clickstream-'));
		expect(files).toHaveLength(1);
		const saved = readFileSync(join(directory, files[0] ?? ''), 'utf8')
			.trim()
			.split('\n');
		expect(saved.map((line) => JSON.parse(line) as unknown)).toMatchObject([
			{partitionKey: 'a', format: 'json', data: {level: 'ERROR'}},
			{partitionKey: 'b', format: 'json', data: {level: 'INFO'}},
		]);

		// The same name again: asked, refused, then confirmed.
		app.stdin.write('s');
		await frame((text) => text.includes('save to: ./clickstream'));
		app.stdin.write(press.enter);
		const asked = await frame((text) => text.includes('Overwrite it?'));
		expect(asked).toContain(`${files[0]} exists.`);
		app.stdin.write('n');
		await frame((text) => text.includes('save to: ./clickstream') && !text.includes('Overwrite it?'));
		app.stdin.write(press.enter);
		await frame((text) => text.includes('Overwrite it?'));
		notices.clear();
		app.stdin.write('y');
		await until(notices.getSnapshot, (notice) => notice?.text.startsWith('Saved 3 records') === true);
		// The second save took what was shown when s was pressed again: the three records.
		expect(
			readFileSync(join(directory, files[0] ?? ''), 'utf8')
				.trim()
				.split('\n'),
		).toHaveLength(3);
		expect(existsSync(join(directory, files[0] ?? ''))).toBe(true);
		app.unmount();
	});

	it('lists its keys in the help, made from the keymap', async () => {
		const {app, fake, frame} = renderTail();
		fake.started();
		await frame((text) => text.includes('Waiting for records'));
		app.stdin.write('?');
		const help = await frame((text) => text.includes('Keys'));
		for (const description of [
			'Pause or resume',
			'Follow (resumes if paused)',
			'Change the decoding',
			'Start from another position',
			'Open the record in full',
			'Save what is shown to a JSON lines file',
			'Filter',
		]) {
			expect(help).toContain(description);
		}
		app.stdin.write(press.escape);
		await frame((text) => text.includes('Waiting for records') && !text.includes('Keys'));
		app.unmount();
	});

	it('says when the tail fails, adapts to a narrower terminal, and stops its tail when closed', async () => {
		const {app, fake, frame, stores} = renderTail();
		fake.started();
		fake.records([record('wide row', {key: 'user-1'})]);
		const wide = await frame((text) => text.includes('wide row'));
		expect(wide).toContain('SEQUENCE');
		Object.defineProperty(app.stdout, 'columns', {value: 70, configurable: true});
		app.stdout.emit('resize');
		const narrow = await frame((text) => !text.includes('SEQUENCE') && text.includes('wide row'));
		expect(narrow).toMatch(/TIME +SHARD +KEY +DATA/);

		const run = fake.current;
		app.unmount();
		expect(run.options.signal?.aborted).toBe(true);
		expect(stores[0]?.running).toBe(false);

		const failing = renderTail();
		failing.fake.push({type: 'failed', error: new Error('Stream clickstream not found.')});
		const failed = await failing.frame((text) => text.includes('Could not load the tail of clickstream'));
		expect(failed).toContain('Stream clickstream not found.');
		failing.app.unmount();
	});
});

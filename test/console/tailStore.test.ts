import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {splitExpressions} from '../../source/console/tailStore/filterExpressions.js';
import {ReaderProgress} from '../../source/console/tailStore/readerProgress.js';
import {RecordRing} from '../../source/console/tailStore/recordRing.js';
import {fakeTailStore, record, shard, until} from '../helpers/tailSource.js';

const directory = mkdtempSync(join(tmpdir(), 'tail-store-'));
afterAll(() => rmSync(directory, {recursive: true, force: true}));

describe('the record ring', () => {
	it('keeps the newest records up to a count and a byte budget', () => {
		const ring = new RecordRing(100, 1_000_000);
		for (let index = 0; index < 1_000; index++) ring.push(record(`r${index}`));
		expect(ring.size).toBe(100);
		expect([ring.head, ring.tail]).toEqual([900, 1_000]);
		expect(new TextDecoder().decode(ring.at(999)?.data)).toBe('r999');
		expect(ring.at(899)).toBeUndefined();

		const bytes = new RecordRing(1_000, 50_000);
		for (let index = 0; index < 100; index++) bytes.push(record(new Uint8Array(10_000)));
		expect(bytes.size).toBe(4);
		expect(bytes.bytes).toBeLessThanOrEqual(50_000);
		// One record larger than the budget is still kept, alone.
		bytes.push(record(new Uint8Array(100_000)));
		expect(bytes.size).toBe(1);
	});
});

describe("the readers' rates", () => {
	it('are measured over the last few seconds: a second without an answer is not 0 records/s', () => {
		const progress = new ReaderProgress();
		progress.reset(0);
		// One answer of 100 records a second or so, as a shard read at one call a second gives them.
		const rates: number[] = [];
		for (const [atMs, records] of [
			[1_000, 100],
			[2_000, 0],
			[3_000, 100],
			[4_000, 100],
			[5_000, 0],
		] as const) {
			progress.received += records;
			progress.sampleRate(atMs);
			rates.push(Math.round(progress.rate));
		}
		expect(rates).toEqual([100, 50, 67, 75, 60]);
		// Nothing for longer than the window: then it is 0.
		progress.sampleRate(11_000);
		expect(progress.rate).toBe(0);
	});
});

describe('the tail store', () => {
	it('stays bounded however many records arrive, and tells its listeners at most every notifyMs', async () => {
		const {store, fake} = fakeTailStore({capacity: 1_000, notifyMs: 100});
		let notified = 0;
		store.subscribe(() => notified++);
		store.setViewport(10);
		store.start();
		fake.started();
		const started = Date.now();
		for (let batch = 0; batch < 50; batch++)
			fake.records(Array.from({length: 1_000}, (_, index) => record(`{"n":${batch * 1_000 + index}}`)));
		const state = await until(store.getSnapshot, (snapshot) => snapshot.received === 50_000);
		await new Promise((resolve) => setTimeout(resolve, 150));
		const elapsed = Date.now() - started;
		const last = store.getSnapshot();
		expect(state.buffered).toBe(1_000);
		expect(last.rows).toHaveLength(10);
		expect(last.rows.at(-1)?.text).toBe('{"n":49999}');
		expect(last.selected).toBe(9);
		expect(last.offset).toBe(990);
		// 50,000 records: a handful of notifications, not one per record or batch.
		expect(notified).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 3);
		await store.stop();
	});

	it("tells its listeners at once when a start's last shard answers, not at the stream's pace", async () => {
		const {store, fake} = fakeTailStore({notifyMs: 60_000});
		store.setViewport(5);
		store.start();
		const shardIds = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'] as const;
		fake.push(
			{type: 'shards', shards: shardIds.map(shard)},
			...shardIds.map((shardId) => ({type: 'shard-started' as const, shardId, position: {type: 'LATEST' as const}})),
			{type: 'polled', shardId: shardIds[0], millisBehindLatest: 0, atMs: Date.now()},
			{type: 'polled', shardId: shardIds[1], millisBehindLatest: 0, atMs: Date.now()},
		);
		await new Promise((resolve) => setTimeout(resolve, 50));
		// Still starting: the view hears of it at the stream's pace (here a minute), so nothing yet.
		expect(store.getSnapshot()).toMatchObject({shards: 0, starting: 0});
		fake.records([record('last', {shardId: shardIds[2]})], shardIds[2]);
		const told = await until(store.getSnapshot, (snapshot) => snapshot.received === 1, 1_000);
		expect(told).toMatchObject({shards: 3, starting: 0, status: 'reading'});
		await store.stop();
	});

	it('follows the newest record, or stays where the user scrolled while records arrive', async () => {
		const {store, fake} = fakeTailStore({capacity: 100});
		store.setViewport(5);
		store.start();
		fake.started();
		fake.records(Array.from({length: 20}, (_, index) => record(`r${index}`)));
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 20);
		expect(store.getSnapshot().rows.map((row) => row.text)).toEqual(['r15', 'r16', 'r17', 'r18', 'r19']);

		store.move('up');
		expect(store.getSnapshot()).toMatchObject({following: false, selected: 3});
		fake.records(Array.from({length: 10}, (_, index) => record(`s${index}`)));
		const scrolled = await until(store.getSnapshot, (snapshot) => snapshot.buffered === 30);
		expect(scrolled.rows.map((row) => row.text)).toEqual(['r15', 'r16', 'r17', 'r18', 'r19']);
		expect(scrolled.selected).toBe(3);
		expect(new TextDecoder().decode(store.selectedRecord()?.data)).toBe('r18');

		store.move('top');
		expect(store.getSnapshot().rows[0]?.text).toBe('r0');
		store.move('pageDown');
		expect(store.getSnapshot().rows.find((_, index) => index === store.getSnapshot().selected)?.text).toBe('r4');
		store.move('bottom');
		expect(store.getSnapshot()).toMatchObject({following: true});
		expect(store.getSnapshot().rows.at(-1)?.text).toBe('s9');

		// Scrolled to the oldest record, which then falls out of the buffer: the selection moves to the oldest left.
		store.move('top');
		fake.records(Array.from({length: 95}, (_, index) => record(`t${index}`)));
		const moved = await until(store.getSnapshot, (snapshot) => snapshot.received === 125);
		expect(moved.rows[moved.selected]?.text).toBe('s5');
		await store.stop();
	});

	it('shows only records that match the filter, and tests new ones as they come', async () => {
		const {store, fake} = fakeTailStore();
		store.setViewport(50);
		store.start();
		fake.started();
		fake.records(
			Array.from({length: 10}, (_, index) =>
				record(JSON.stringify({level: index % 2 ? 'ERROR' : 'INFO', n: index}), {key: `user-${index}`}),
			),
		);
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 10);

		expect(store.setFilter('json:level=ERROR')).toBeUndefined();
		let state = store.getSnapshot();
		expect(state).toMatchObject({filter: 'json:level=ERROR', shown: 5, buffered: 10});
		expect(state.rows.every((row) => row.text.includes('ERROR'))).toBe(true);

		expect(store.setFilter('json:level=ERROR key:user-3')).toBeUndefined();
		expect(store.getSnapshot().rows.map((row) => row.partitionKey)).toEqual(['user-3']);

		expect(store.setFilter('nope:x')).toMatch(/unknown filter kind "nope"/);
		expect(store.getSnapshot().filter).toBe('json:level=ERROR key:user-3');

		store.setFilter('json:level=ERROR');
		fake.records([record('{"level":"ERROR","n":10}'), record('{"level":"INFO","n":11}')]);
		state = await until(store.getSnapshot, (snapshot) => snapshot.buffered === 12);
		expect(state.shown).toBe(6);
		expect(state.rows.at(-1)?.text).toBe('{"level":"ERROR","n":10}');

		expect(store.setFilter('')).toBeUndefined();
		expect(store.getSnapshot().shown).toBe(12);
		await store.stop();
	});

	it('keeps the newest matches apart, so a rare one stays in view however fast the buffer turns over', async () => {
		const {store, fake} = fakeTailStore({capacity: 100});
		store.setViewport(10);
		store.start();
		fake.started();
		expect(store.setFilter('text:needle')).toBeUndefined();
		fake.records([record('a needle in a haystack')]);
		for (let batch = 0; batch < 20; batch++) fake.records(Array.from({length: 100}, (_, index) => record(`hay ${batch}-${index}`)));
		const state = await until(store.getSnapshot, (snapshot) => snapshot.received === 2_001);
		expect(state).toMatchObject({buffered: 100, shown: 1, tested: 2_001});
		expect(state.rows.map((row) => row.text)).toEqual(['a needle in a haystack']);
		expect(new TextDecoder().decode(store.selectedRecord()?.data)).toBe('a needle in a haystack');

		// A new filter starts over from what the buffer holds.
		store.setFilter('text:hay 19-9');
		expect(store.getSnapshot()).toMatchObject({shown: 11, tested: 100, following: true});
		await store.stop();
	});

	it('decodes what is shown with the chosen decoder', async () => {
		const {store, fake} = fakeTailStore();
		store.start();
		fake.started();
		fake.records([record('{"a": 1}')]);
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 1);
		expect(store.getSnapshot().rows[0]).toMatchObject({text: '{"a":1}', format: 'json'});
		store.setDecoder('hex');
		expect(store.getSnapshot().rows[0]).toMatchObject({text: '7b2261223a20317d', format: 'hex'});
		expect(store.cycleDecoder()).toBe('gzip');
		expect(store.cycleDecoder()).toBe('auto');
		store.setDecoder('base64');
		expect(store.getSnapshot()).toMatchObject({decoder: 'base64', rows: [{text: 'eyJhIjogMX0='}]});
		await store.stop();
	});

	it('stops reading while paused, so the view holds still and nothing is skipped', async () => {
		const {store, fake} = fakeTailStore();
		store.start();
		fake.started();
		fake.records([record('one')]);
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 1);
		store.togglePause();
		const paused = store.getSnapshot();
		expect(paused.paused).toBe(true);
		const pulled = fake.current.channel.pulled;
		for (let index = 0; index < 20; index++) fake.records([record(`more ${index}`)]);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(fake.current.channel.pulled).toBeLessThanOrEqual(pulled + 1);
		expect(store.getSnapshot().buffered).toBe(1);
		expect(fake.current.channel.waiting).toBeGreaterThanOrEqual(19);

		store.togglePause();
		const resumed = await until(store.getSnapshot, (snapshot) => snapshot.buffered === 21);
		expect(resumed.paused).toBe(false);
		expect(resumed.rows.at(-1)?.text).toBe('more 19');
		await store.stop();
	});

	it('restarts from another position, and keeps sequence numbers to a shard tail', async () => {
		const {store, fake} = fakeTailStore();
		store.start();
		fake.started();
		fake.records([record('old')]);
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 1);
		const first = fake.current;
		expect(first.options).toMatchObject({stream: 'clickstream', from: {type: 'LATEST'}});
		expect(first.options.shards).toBeUndefined();

		expect(store.setPosition('trim-horizon')).toBeUndefined();
		expect(first.options.signal?.aborted).toBe(true);
		expect(fake.runs).toHaveLength(2);
		expect(fake.current.options.from).toEqual({type: 'TRIM_HORIZON'});
		expect(store.getSnapshot()).toMatchObject({status: 'starting', buffered: 0, received: 0, position: {type: 'TRIM_HORIZON'}});

		const before = Date.now();
		expect(store.setPosition('15m')).toBeUndefined();
		const from = fake.current.options.from;
		expect(from?.type).toBe('AT_TIMESTAMP');
		if (from?.type === 'AT_TIMESTAMP') expect(Math.abs(before - 15 * 60_000 - from.timestamp.getTime())).toBeLessThan(1_000);

		expect(store.setPosition('at:49650000000000000000000000000000000000000000000000000001')).toMatch(/belongs to one shard/);
		expect(store.setPosition('sometime')).toMatch(/Cannot read the starting position 'sometime'/);
		expect(fake.runs).toHaveLength(3);
		await store.stop();

		const shard = fakeTailStore({shardId: 'shardId-000000000001'});
		shard.store.start();
		expect(shard.fake.current.options.shards).toEqual(['shardId-000000000001']);
		expect(shard.store.setPosition('after:49650000000000000000000000000000000000000000000000000001')).toBeUndefined();
		expect(shard.fake.current.options).toMatchObject({
			shards: ['shardId-000000000001'],
			from: {type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '49650000000000000000000000000000000000000000000000000001'},
		});
		await shard.store.stop();
	});

	it('saves what is shown as JSON lines, the shape of tail --json, and never overwrites unasked', async () => {
		const {store, fake, notices} = fakeTailStore();
		store.start();
		fake.started();
		const arrival = new Date('2024-05-01T10:00:00.000Z');
		fake.records([
			record('{"level":"ERROR","msg":"boom"}', {key: 'user-1', arrival}),
			record('{"level":"INFO"}', {key: 'user-2', arrival}),
			record('plain \u001b[2J text', {key: 'user-3', arrival}),
		]);
		await until(store.getSnapshot, (snapshot) => snapshot.buffered === 3);
		store.setFilter('json:level=ERROR');
		const path = join(directory, 'errors.jsonl');
		const saved = await store.save(path);
		expect(saved).toMatchObject({kind: 'saved', path, records: 1, lines: 1});
		const lines = readFileSync(path, 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as unknown);
		expect(lines).toEqual([
			{
				shardId: 'shardId-000000000000',
				sequenceNumber: expect.stringMatching(/^\d+$/) as unknown,
				approximateArrivalTimestamp: '2024-05-01T10:00:00.000Z',
				partitionKey: 'user-1',
				format: 'json',
				data: {level: 'ERROR', msg: 'boom'},
			},
		]);
		expect(notices.getSnapshot()?.text).toMatch(/Saved 1 record \(1 line\) to .*errors\.jsonl/);

		store.setFilter('');
		expect(await store.save(path)).toEqual({kind: 'exists', path});
		expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
		expect(await store.save(path, {overwrite: true})).toMatchObject({kind: 'saved', records: 3, lines: 3});
		const all = readFileSync(path, 'utf8').trim().split('\n');
		expect(JSON.parse(all[2] ?? '')).toMatchObject({format: 'utf8', data: 'plain \u001b[2J text', partitionKey: 'user-3'});

		const blocked = join(directory, 'file');
		writeFileSync(blocked, '');
		expect(await store.save(join(blocked, 'inside.jsonl'))).toMatchObject({kind: 'failed'});
		expect(notices.getSnapshot()).toMatchObject({level: 'error', text: expect.stringMatching(/Could not save/) as unknown});
		expect(store.defaultSavePath()).toMatch(/^\.\/clickstream-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.jsonl$/);
		await store.stop();
	});

	it('sends retries and failures to the status line, and says when the tail cannot run', async () => {
		const {store, fake, notices} = fakeTailStore();
		store.start();
		fake.started(['shardId-000000000000', 'shardId-000000000001']);
		fake.push({
			type: 'retrying',
			shardId: 'shardId-000000000001',
			kind: 'throttling',
			reason: 'ProvisionedThroughputExceededException: Rate exceeded',
			attempt: 1,
			delayMs: 180,
		});
		await until(notices.getSnapshot, (notice) => notice !== undefined);
		expect(notices.getSnapshot()).toMatchObject({
			level: 'warning',
			text: 'shardId-000000000001: ProvisionedThroughputExceededException: Rate exceeded; retrying in 180 ms',
		});
		fake.push({type: 'failed', shardId: 'shardId-000000000001', error: new Error('AccessDenied')});
		await until(notices.getSnapshot, (notice) => notice?.level === 'error');
		expect(notices.getSnapshot()?.text).toBe('shardId-000000000001 stopped: AccessDenied');
		// The notice goes out at once; the snapshot follows with the store's next flush (under load, later): one shard
		// reading, the other stopped, and the tail still reading.
		expect(await until(store.getSnapshot, (snapshot) => snapshot.shards === 1)).toMatchObject({status: 'reading', shards: 1});

		fake.push({type: 'failed', error: new Error('Stream clickstream under account 000000000000 not found.')});
		const failed = await until(store.getSnapshot, (snapshot) => snapshot.status === 'failed' && snapshot.message !== undefined);
		expect(failed.message).toMatch(/not found/);
		expect(fake.current.channel.returned).toBe(true);
		await store.stop();

		const nothing = fakeTailStore({shardId: 'shardId-000000000009'});
		nothing.store.start();
		nothing.fake.push({type: 'shards', shards: [shard('shardId-000000000000')]});
		nothing.fake.current.channel.end();
		const ended = await until(nothing.store.getSnapshot, (snapshot) => snapshot.status === 'ended');
		expect(ended.message).toMatch(/shardId-000000000009 is not a shard of clickstream/);
		await nothing.store.stop();
	});

	it('says while shards are retrying and when they read again, asks to wait out failed credentials, and ends failed when its readers stopped on failures', async () => {
		const {store, fake, notices} = fakeTailStore();
		store.start();
		expect(fake.current.options.waitForCredentials).toBe(true);
		fake.started(['shardId-000000000000', 'shardId-000000000001']);
		const said: string[] = [];
		notices.subscribe(() => said.push(notices.getSnapshot()?.text ?? ''));
		const error = Object.assign(new Error('The security token included in the request is expired'), {name: 'ExpiredTokenException'});
		fake.push({
			type: 'retrying',
			shardId: 'shardId-000000000000',
			kind: 'credentials',
			reason: 'ExpiredTokenException: expired',
			attempt: 1,
			delayMs: 2_000,
			error,
		});
		fake.push({
			type: 'retrying',
			shardId: '',
			kind: 'credentials',
			reason: 'ExpiredTokenException: expired',
			attempt: 1,
			delayMs: 1_500,
			error,
		});
		const retrying = await until(
			store.getSnapshot,
			(snapshot) => snapshot.retrying?.reason === 'The security token included in the request is expired',
		);
		expect(retrying.retrying?.shards).toBe(2);
		await until(
			() => said,
			(texts) => texts.length >= 2,
		);
		expect(said).toEqual([
			'shardId-000000000000: The security token included in the request is expired; retrying in 2.0 s',
			// The listing is named by the stream.
			'clickstream: The security token included in the request is expired; retrying in 1.5 s',
		]);
		// The listing reads again, then the shard: only then is the tail reading again.
		fake.push({type: 'recovered', shardId: ''});
		await until(store.getSnapshot, (snapshot) => snapshot.retrying?.shards === 1);
		fake.records([record('back')]);
		await until(store.getSnapshot, (snapshot) => snapshot.retrying === undefined && snapshot.received === 1);
		expect(notices.getSnapshot()).toMatchObject({level: 'info', text: 'clickstream: reading again.'});

		// Both readers stop (the stream was deleted): the tail has failed, it has not read to its end.
		const gone = Object.assign(new Error('Stream clickstream under account 000000000000 not found.'), {name: 'ResourceNotFoundException'});
		fake.push(
			{type: 'failed', shardId: 'shardId-000000000000', error: gone},
			{type: 'failed', shardId: 'shardId-000000000001', error: gone},
		);
		fake.current.channel.end();
		const failed = await until(store.getSnapshot, (snapshot) => snapshot.status === 'failed' && snapshot.message === gone.message);
		expect(failed.shards).toBe(0);
		await store.stop();

		// One of two stopped: named in the message.
		const half = fakeTailStore();
		half.store.start();
		half.fake.started(['shardId-000000000000', 'shardId-000000000001']);
		half.fake.push({type: 'failed', shardId: 'shardId-000000000001', error: new Error('AccessDeniedException: no')});
		half.fake.current.channel.end();
		await until(
			half.store.getSnapshot,
			(snapshot) => snapshot.status === 'failed' && snapshot.message === 'shardId-000000000001 stopped: AccessDeniedException: no',
		);
		await half.store.stop();
	});

	it('stops its tail when stopped', async () => {
		const {store, fake} = fakeTailStore();
		store.start();
		store.start();
		expect(fake.runs).toHaveLength(1);
		store.togglePause();
		fake.started();
		await store.stop();
		expect(fake.current.options.signal?.aborted).toBe(true);
		await until(() => fake.current.channel.returned, Boolean);
		expect(store.running).toBe(false);
	});

	it('splits filter expressions on spaces, except inside quotes, and matches quotes as typed', () => {
		expect(splitExpressions('key:user-* json:level=ERROR')).toEqual(['key:user-*', 'json:level=ERROR']);
		expect(splitExpressions('text:"two words"  re:^a')).toEqual(['text:"two words"', 're:^a']);
		expect(splitExpressions(`it's`)).toEqual([`it's`]);
		expect(splitExpressions(`key:it's text:x`)).toEqual([`key:it's`, 'text:x']);
		expect(splitExpressions('   ')).toEqual([]);
		// JSON as it is in the record: the quotes are looked for.
		expect(splitExpressions('text:"eventType":"click"')).toEqual(['text:"eventType":"click"']);
		// Wrapped whole, as a shell would have it: the wrapping goes, what is inside stays.
		expect(splitExpressions(`'text:"eventType":"click"' "text:two words"`)).toEqual(['text:"eventType":"click"', 'text:two words']);
		expect(splitExpressions(`"a"b"c"`)).toEqual([`"a"b"c"`]);
	});
});

import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	AddTagsToStreamCommand,
	CreateStreamCommand,
	ListTagsForResourceCommand,
	ListTagsForStreamCommand,
	RegisterStreamConsumerCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	PutRecordsCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {arnOf} from './support.js';
import {spawnEngine} from '../helpers/engineProcess.js';

const dirs: string[] = [];
const dataDir = () => {
	const dir = mkdtempSync(join(tmpdir(), 'engine-durability-'));
	dirs.push(dir);
	return dir;
};
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

/** Every record of a stream, per shard, in the order GetRecords returns them. */
async function readAll(client: KinesisClient, stream: string): Promise<Map<string, string[]>> {
	const out = new Map<string, string[]>();
	const {Shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	for (const shard of Shards) {
		const seen: string[] = [];
		let {ShardIterator: iterator} = await client.send(
			new GetShardIteratorCommand({StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON'}),
		);
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			for (const record of page.Records ?? []) seen.push(Buffer.from(record.Data ?? []).toString());
			if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
			iterator = page.NextShardIterator;
		}
		out.set(shard.ShardId ?? '', seen);
	}
	return out;
}

async function waitActive(client: KinesisClient, stream: string, shards: number) {
	await client.send(new CreateStreamCommand({StreamName: stream, ShardCount: shards}));
	for (;;) {
		const {Shards = []} = await client.send(new ListShardsCommand({StreamName: stream})).catch(() => ({Shards: []}));
		if (Shards.length === shards) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe('durability', () => {
	it('keeps streams, tags and records across a clean restart', async () => {
		const dir = dataDir();
		let engine = await startEngine({dataDir: dir});
		let client = kinesisClient(engine.url);
		await waitActive(client, 'kept', 3);
		const keys = Array.from({length: 300}, (_, index) => `key-${index}`);
		await client.send(
			new PutRecordsCommand({StreamName: 'kept', Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(key)}))}),
		);
		const before = await readAll(client, 'kept');
		// `__proto__` is a valid tag key: the stored form must not rename or drop it.
		const tags = JSON.parse('{"team": "streams", "__proto__": "kept as a key"}') as Record<string, string>;
		await client.send(new AddTagsToStreamCommand({StreamName: 'kept', Tags: tags}));
		const {Consumer} = await client.send(
			new RegisterStreamConsumerCommand({
				StreamARN: arnOf('kept'),
				ConsumerName: 'reader',
				Tags: JSON.parse('{"__proto__":"consumer tag"}') as Record<string, string>,
			}),
		);
		client.destroy();
		await engine.close();

		engine = await startEngine({dataDir: dir});
		client = kinesisClient(engine.url);
		const {Tags = []} = await client.send(new ListTagsForStreamCommand({StreamName: 'kept'}));
		expect(Tags.map(({Key, Value}) => [Key, Value]).sort()).toEqual([
			['__proto__', 'kept as a key'],
			['team', 'streams'],
		]);
		const consumerTags = await client.send(new ListTagsForResourceCommand({ResourceARN: Consumer?.ConsumerARN ?? ''}));
		expect(consumerTags.Tags).toEqual([{Key: '__proto__', Value: 'consumer tag'}]);
		const after = await readAll(client, 'kept');
		expect(after).toEqual(before);
		expect([...after.values()].flat().sort()).toEqual([...keys].sort());
		// New records still sort after the old ones in every shard.
		const put = await client.send(
			new PutRecordsCommand({StreamName: 'kept', Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(`${key}-again`)}))}),
		);
		expect(put.FailedRecordCount).toBe(0);
		const again = await readAll(client, 'kept');
		for (const [shard, records] of again) {
			expect(records.slice(0, before.get(shard)?.length)).toEqual(before.get(shard));
		}
		client.destroy();
		await engine.close();
	});

	it('keeps its data inside a directory whose name has a dot, as inside any other', async () => {
		const parent = dataDir();
		for (const dir of [mkdtempSync(join(parent, 'engine.data-')), join(parent, 'not-yet.made')]) {
			let engine = await startEngine({dataDir: dir});
			let client = kinesisClient(engine.url);
			await waitActive(client, 'dotted', 1);
			await client.send(new PutRecordsCommand({StreamName: 'dotted', Records: [{PartitionKey: 'k', Data: Buffer.from('kept')}]}));
			client.destroy();
			await engine.close();
			expect(existsSync(join(dir, 'data.mdb'))).toBe(true);

			engine = await startEngine({dataDir: dir});
			client = kinesisClient(engine.url);
			expect([...(await readAll(client, 'dotted')).values()].flat()).toEqual(['kept']);
			client.destroy();
			await engine.close();
		}
	});

	it('loses no acknowledged record when the engine is killed with SIGKILL during writes', async () => {
		const dir = dataDir();
		const acknowledged = new Map<string, number>();
		const args = ['--data-dir', dir, '--limits', 'off'];
		let engine = await spawnEngine(args);
		let client = kinesisClient(engine.url, 'http1');
		await waitActive(client, 'crash', 4);

		// Three crashes at different moments; each round's writers number their records per partition key.
		for (const [round, killAfterMs] of [300, 550, 800].entries()) {
			let stop = false;
			const writer = async (writerId: number) => {
				for (let batch = 0; !stop; batch++) {
					const records = Array.from({length: 50}, (_, index) => ({
						key: `r${round}-w${writerId}-k${index % 5}`,
						n: batch * 10 + Math.floor(index / 5),
					}));
					try {
						await client.send(
							new PutRecordsCommand({
								StreamName: 'crash',
								Records: records.map(({key, n}) => ({PartitionKey: key, Data: Buffer.from(`${key}:${n}`)})),
							}),
						);
					} catch {
						return; // the engine died under this request: nothing in it was acknowledged
					}
					for (const {key, n} of records) acknowledged.set(key, Math.max(acknowledged.get(key) ?? -1, n));
				}
			};
			const writers = Array.from({length: 4}, (_, id) => writer(id));
			await new Promise((resolve) => setTimeout(resolve, killAfterMs));
			engine.child.kill('SIGKILL');
			stop = true;
			await Promise.all(writers);
			await engine.exited;
			client.destroy();
			engine = await spawnEngine(args);
			client = kinesisClient(engine.url, 'http1');
		}
		expect(acknowledged.size).toBe(60);

		const found = new Map<string, number[]>();
		for (const records of (await readAll(client, 'crash')).values()) {
			for (const record of records) {
				const [key = '', n = ''] = record.split(':');
				found.set(key, [...(found.get(key) ?? []), Number(n)]);
			}
		}
		for (const [key, highest] of acknowledged) {
			// Everything acknowledged is there, once, in the order it was written.
			expect(found.get(key)?.slice(0, highest + 1), key).toEqual(Array.from({length: highest + 1}, (_, n) => n));
		}
		client.destroy();
		engine.child.kill('SIGTERM');
		expect(await engine.exited).toBe(0);
	});
});

import {PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {expect} from 'vitest';
import {tailStream, type TailEvent, type TailOptions} from '../../source/console/tail/index.js';

/** Writes `[key, value]` records to a stream and expects every one accepted. */
export async function putEntries(client: KinesisClient, stream: string, entries: Array<[key: string, value: string]>): Promise<void> {
	const result = await client.send(
		new PutRecordsCommand({StreamName: stream, Records: entries.map(([key, value]) => ({PartitionKey: key, Data: Buffer.from(value)}))}),
	);
	expect(result.FailedRecordCount).toBe(0);
}

/** `key:n` records for each key, n from `from` up to `to` (exclusive). */
export const numbered = (keys: string[], from: number, to: number): Array<[string, string]> =>
	keys.flatMap((key) => Array.from({length: to - from}, (_, offset) => [key, `${key}:${from + offset}`] as [string, string]));

export const range = (to: number) => Array.from({length: to}, (_, n) => n);

/** Collects `key:n` records per key from a tail until `done` says so, or the tail ends. */
export async function collect(client: KinesisClient, options: TailOptions, done: (seen: Map<string, number[]>) => boolean = () => false) {
	const seen = new Map<string, number[]>();
	const events: TailEvent[] = [];
	for await (const event of tailStream(client, options)) {
		events.push(event);
		if (event.type !== 'records') continue;
		for (const record of event.records) {
			const [key = '', n = ''] = Buffer.from(record.data).toString().split(':');
			seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
		}
		if (done(seen)) break;
	}
	return {seen, events};
}

import {once} from 'node:events';
import {Writable} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {createOutput} from '../../source/commands/output.js';

/**
 * A slow reader, as a pipe whose far end is busy: each write is read only later (its bytes copied then,
 * as the kernel would), and it asks the writer to wait after a few kilobytes.
 */
function slowReader(): {stream: NodeJS.WriteStream; text: () => Promise<string>} {
	const received: Buffer[] = [];
	const stream = new Writable({
		highWaterMark: 4096,
		write(chunk: Buffer, _encoding, callback) {
			setTimeout(() => {
				received.push(Buffer.from(chunk));
				callback();
			}, 5);
		},
	});
	// What createOutput reads of a terminal stream: this one is not a terminal.
	const text = async () => {
		stream.end();
		await once(stream, 'finish');
		return Buffer.concat(received).toString('utf8');
	};
	return {stream: stream as unknown as NodeJS.WriteStream, text};
}

describe('JSON lines output', () => {
	it('writes every line once, whole and in order, when batches follow each other before the reader has read the last', async () => {
		const {stream, text} = slowReader();
		const output = createOutput({json: true, stream});
		const batch = (name: string, count: number) =>
			Array.from({length: count}, (_, index) => JSON.stringify({name, index, text: `zoë ✓ ${'x'.repeat(index % 50)}`}));
		const batches = [batch('a', 500), batch('b', 3), [], batch('c', 2_000), batch('d', 1)];
		// Not awaited one by one: a caller may start the next batch while the last is still being written.
		await Promise.all(batches.map((lines) => output.jsonLines(lines)));
		await output.jsonLines(['{"last":true}']);
		expect(await text()).toBe(`${[...batches.flat(), '{"last":true}'].join('\n')}\n`);
	});

	it('takes the lines one at a time from a generator, as the tail makes them', async () => {
		const {stream, text} = slowReader();
		const output = createOutput({json: true, stream});
		function* lines() {
			for (let index = 0; index < 1_000; index++) yield `{"n":${index}}`;
		}
		await output.jsonLines(lines());
		await output.jsonLines(lines());
		const expected = Array.from({length: 1_000}, (_, index) => `{"n":${index}}`);
		expect(await text()).toBe(`${[...expected, ...expected].join('\n')}\n`);
	});
});

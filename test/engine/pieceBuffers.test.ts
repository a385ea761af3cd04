import {GetRecordsCommand, PutRecordsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {PIECE_BYTES, releasePiece, takePieceBuffer} from '../../source/engine/protocol/pieceBuffers.js';
import {createStream, iterator, transports, uniqueName, useEngine} from './support.js';

describe('piece buffers', () => {
	it('lends a buffer again only after it comes back, and takes each back once', () => {
		const first = takePieceBuffer(100);
		const second = takePieceBuffer(100);
		expect(first.length).toBe(PIECE_BYTES);
		expect(second.buffer).not.toBe(first.buffer);

		releasePiece(first.subarray(0, 10));
		releasePiece(first.subarray(0, 20));
		const third = takePieceBuffer(100);
		expect(third.buffer).toBe(first.buffer);
		// The second release of `first` was ignored: the pool has no other copy of it to lend.
		expect(takePieceBuffer(100).buffer).not.toBe(first.buffer);
	});

	it('leaves alone what it did not lend, and lends no pooled buffer for a larger size', () => {
		const foreign = Buffer.alloc(PIECE_BYTES);
		releasePiece(foreign);
		releasePiece('text');
		expect(takePieceBuffer(1).buffer).not.toBe(foreign.buffer);
		const large = takePieceBuffer(PIECE_BYTES + 1);
		expect(large.length).toBe(PIECE_BYTES + 1);
		releasePiece(large);
		expect(takePieceBuffer(1).buffer).not.toBe(large.buffer);
	});
});

describe.each(transports)('large answers read at once over %s', (transport) => {
	const harness = useEngine(transport);

	it('never mixes the pieces of answers written at the same time', async () => {
		const names = [1, 2, 3, 4].map(() => uniqueName('pieces'));
		// Each stream's records are filled with its own byte, and each answer is several pieces long.
		await Promise.all(
			names.map(async (name, index) => {
				await createStream(harness.client, name);
				const records = Array.from({length: 500}, (_, n) => ({PartitionKey: `k${n}`, Data: Buffer.alloc(1000, index + 1)}));
				for (let call = 0; call < 4; call++) await harness.client.send(new PutRecordsCommand({StreamName: name, Records: records}));
			}),
		);
		for (let round = 0; round < 3; round++) {
			const answers = await Promise.all(
				names.map(async (name) =>
					harness.client.send(
						new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, 'shardId-000000000000', 'TRIM_HORIZON')}),
					),
				),
			);
			answers.forEach((answer, index) => {
				expect(answer.Records).toHaveLength(2000);
				const expected = Buffer.alloc(1000, index + 1);
				expect(answer.Records?.every((record) => Buffer.from(record.Data ?? new Uint8Array()).equals(expected))).toBe(true);
			});
		}
	});
});

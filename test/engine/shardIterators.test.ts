import {createHash, createHmac} from 'node:crypto';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {decodeIterator, encodeIterator, type IteratorState} from '../../source/engine/kinesis/model/shardIterators.js';

const states = fc.record({
	region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1'),
	streamName: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/),
	streamCreatedMs: fc.integer({min: 0, max: 4_102_444_800_000}),
	shardIndex: fc.integer({min: 0, max: 2 ** 32 - 1}),
	position: fc.integer({min: 0, max: Number.MAX_SAFE_INTEGER}),
	issuedMs: fc.integer({min: 0, max: 4_102_444_800_000}),
});

/** Where the content lies in an iterator's bytes: after the 8-byte prefix and its 2-byte length. */
const contentEnd = (bytes: Buffer) => 10 + bytes.readUInt16BE(8);

describe('shard iterators', () => {
	it('read back as the state they were made from', () => {
		fc.assert(
			fc.property(states, (state: IteratorState) => {
				expect(decodeIterator(encodeIterator(state))).toEqual({...state});
			}),
		);
	});

	it('are refused after any one byte of their prefix, length, state or checksum is changed', () => {
		fc.assert(
			fc.property(states, fc.nat(), fc.integer({min: 1, max: 255}), (state: IteratorState, at: number, flip: number) => {
				const bytes = Buffer.from(encodeIterator(state), 'base64');
				const place = at % contentEnd(bytes);
				bytes[place] = (bytes[place] as number) ^ flip;
				expect(decodeIterator(bytes.toString('base64'))).toBeUndefined();
			}),
		);
	});

	it('refuses one whose content is longer than any the engine makes, and checks the next as before', () => {
		// GetRecords' schema allows 512 characters; a longer one is refused here too, not hashed past MD5's buffer.
		const long = Buffer.alloc(10 + 1_200);
		Buffer.from('0000000000000001', 'hex').copy(long);
		long.writeUInt16BE(1_200, 8);
		long[10] = 2;
		expect(decodeIterator(long.toString('base64'))).toBeUndefined();
		const state = {region: 'us-east-1', streamName: 'after', streamCreatedMs: 1, shardIndex: 2, position: 3, issuedMs: 4};
		expect(decodeIterator(encodeIterator(state))).toEqual(state);
	});

	it('refuses those of the earlier version, whose check was an HMAC', () => {
		// Version 1 as the engine made it before (an HMAC-SHA-256 by a fixed key, cut to 12 bytes).
		const body = Buffer.from(
			encodeIterator({region: 'us-east-1', streamName: 's', streamCreatedMs: 1, shardIndex: 0, position: 5, issuedMs: 2}),
			'base64',
		);
		const length = body.readUInt16BE(8);
		const state = Buffer.from(body.subarray(10, 10 + length - 12));
		state[0] = 1;
		const mac = createHmac('sha256', 'kinesis-console engine shard iterator').update(state).digest().subarray(0, 12);
		const old = Buffer.alloc(body.length);
		body.copy(old, 0, 0, 10);
		Buffer.concat([state, mac]).copy(old, 10);
		expect(decodeIterator(old.toString('base64'))).toBeUndefined();
		// The same state with this version's check is read: only the version and the check differ.
		const current = Buffer.from(old);
		current[10] = 2;
		createHash('md5')
			.update(current.subarray(10, 10 + length - 12))
			.digest()
			.copy(current, 10 + length - 12, 0, 12);
		expect(decodeIterator(current.toString('base64'))).toMatchObject({streamName: 's', position: 5});
	});
});

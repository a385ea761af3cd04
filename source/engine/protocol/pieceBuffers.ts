/**
 * Buffers for the pieces of large answers, used again once a piece has been written out; and for large
 * request bodies and PutRecords' decoded data, used again once the request is answered. A GetRecords
 * answer of 10,000 records is about 3 MB: allocated afresh each time, that memory outside the JS heap
 * made V8 run a full garbage collection every few hundred milliseconds under load; fresh bodies and
 * data for 500-record PutRecords, one about every 150 ms (node --trace-gc: "GC in old space requested").
 *
 * A piece goes back only when whoever wrote it is done with it (its write callback has run) and only
 * once: a buffer handed out twice would mix two answers.
 */
export const PIECE_BYTES = 256 * 1024;
const KEPT = 32;

const free: ArrayBuffer[] = [];
const lent = new WeakSet<ArrayBufferLike>();

/** A buffer of at least `bytes`: a pooled one when that fits in a piece, a new one otherwise. */
export function takePieceBuffer(bytes: number): Buffer {
	if (bytes > PIECE_BYTES) return Buffer.allocUnsafe(bytes);
	const memory = free.pop() ?? new ArrayBuffer(PIECE_BYTES);
	lent.add(memory);
	return Buffer.from(memory);
}

/** Gives back the buffer under a piece taken with takePieceBuffer; any other piece (or text) is left alone. */
export function releasePiece(piece: Uint8Array | string): void {
	if (typeof piece === 'string') return;
	const memory = piece.buffer;
	if (!lent.delete(memory)) return;
	if (free.length < KEPT) free.push(memory as ArrayBuffer);
}

/**
 * MD5 (RFC 1321) of a partition key, as the four 32-bit words of the 128-bit hash key a record is routed
 * by, most significant first: the same number as node:crypto's digest read as an unsigned big-endian
 * integer. Written out here because PutRecords hashes every record: a call into node:crypto per key,
 * and the hex string it returns, cost more than the hash itself, which JIT-compiled code does in a
 * fraction of that with no allocation. The rounds are RFC 1321's, unrolled (section 3.4: the
 * functions F, G, H and I, the table T[i] = floor(2^32 * abs(sin(i))), the shifts); a test holds the
 * result equal to node:crypto's for random keys of every length.
 */

/** The key's UTF-8 bytes, padded (a partition key is at most 256 characters: 1,024 bytes), then zeroed again. */
const bytes = Buffer.alloc(1024 + 128);
/**
 * The same bytes read as MD5's little-endian 32-bit words: one load per word rather than four byte
 * loads and three shifts, which made the hash about a quarter faster (the figures are in its commit).
 */
const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);

/** Writes the hash key of a partition key, its UTF-8 bytes from `start` in `key`, into `out` at `at` (four words). */
export function md5Words(key: Uint8Array, start: number, length: number, out: Uint32Array, at: number): void {
	// Byte by byte: keys are short, and a call to copy them costs more.
	for (let index = 0; index < length; index++) bytes[index] = key[start + index] as number;
	digest(length, out, at);
}

// Longer than 80 lines on purpose: the 64 steps unrolled, each in local variables (helper calls would not all be inlined).
function digest(length: number, out: Uint32Array, outAt: number): void {
	// Padding (RFC 1321 3.1, 3.2): a 1 bit, zeros, then the length in bits, little-endian, in the last 8 bytes.
	const total = (((length + 8) >>> 6) + 1) << 6;
	bytes[length] = 0x80;
	bytes[total - 8] = length << 3;
	bytes[total - 7] = length >>> 5;
	bytes[total - 6] = length >>> 13;
	let a = 0x67452301;
	let b = 0xefcdab89 | 0;
	let c = 0x98badcfe | 0;
	let d = 0x10325476;
	let n = 0;
	for (let at = 0; at < total; at += 64) {
		const x0 = words.getInt32(at, true);
		const x1 = words.getInt32(at + 4, true);
		const x2 = words.getInt32(at + 8, true);
		const x3 = words.getInt32(at + 12, true);
		const x4 = words.getInt32(at + 16, true);
		const x5 = words.getInt32(at + 20, true);
		const x6 = words.getInt32(at + 24, true);
		const x7 = words.getInt32(at + 28, true);
		const x8 = words.getInt32(at + 32, true);
		const x9 = words.getInt32(at + 36, true);
		const x10 = words.getInt32(at + 40, true);
		const x11 = words.getInt32(at + 44, true);
		const x12 = words.getInt32(at + 48, true);
		const x13 = words.getInt32(at + 52, true);
		const x14 = words.getInt32(at + 56, true);
		const x15 = words.getInt32(at + 60, true);
		const aa = a;
		const bb = b;
		const cc = c;
		const dd = d;
		// Round 1: (b & c) | (~b & d)
		n = (a + ((b & c) | (~b & d)) + x0 + 0xd76aa478) | 0;
		a = (((n << 7) | (n >>> 25)) + b) | 0;
		n = (d + ((a & b) | (~a & c)) + x1 + 0xe8c7b756) | 0;
		d = (((n << 12) | (n >>> 20)) + a) | 0;
		n = (c + ((d & a) | (~d & b)) + x2 + 0x242070db) | 0;
		c = (((n << 17) | (n >>> 15)) + d) | 0;
		n = (b + ((c & d) | (~c & a)) + x3 + 0xc1bdceee) | 0;
		b = (((n << 22) | (n >>> 10)) + c) | 0;
		n = (a + ((b & c) | (~b & d)) + x4 + 0xf57c0faf) | 0;
		a = (((n << 7) | (n >>> 25)) + b) | 0;
		n = (d + ((a & b) | (~a & c)) + x5 + 0x4787c62a) | 0;
		d = (((n << 12) | (n >>> 20)) + a) | 0;
		n = (c + ((d & a) | (~d & b)) + x6 + 0xa8304613) | 0;
		c = (((n << 17) | (n >>> 15)) + d) | 0;
		n = (b + ((c & d) | (~c & a)) + x7 + 0xfd469501) | 0;
		b = (((n << 22) | (n >>> 10)) + c) | 0;
		n = (a + ((b & c) | (~b & d)) + x8 + 0x698098d8) | 0;
		a = (((n << 7) | (n >>> 25)) + b) | 0;
		n = (d + ((a & b) | (~a & c)) + x9 + 0x8b44f7af) | 0;
		d = (((n << 12) | (n >>> 20)) + a) | 0;
		n = (c + ((d & a) | (~d & b)) + x10 + 0xffff5bb1) | 0;
		c = (((n << 17) | (n >>> 15)) + d) | 0;
		n = (b + ((c & d) | (~c & a)) + x11 + 0x895cd7be) | 0;
		b = (((n << 22) | (n >>> 10)) + c) | 0;
		n = (a + ((b & c) | (~b & d)) + x12 + 0x6b901122) | 0;
		a = (((n << 7) | (n >>> 25)) + b) | 0;
		n = (d + ((a & b) | (~a & c)) + x13 + 0xfd987193) | 0;
		d = (((n << 12) | (n >>> 20)) + a) | 0;
		n = (c + ((d & a) | (~d & b)) + x14 + 0xa679438e) | 0;
		c = (((n << 17) | (n >>> 15)) + d) | 0;
		n = (b + ((c & d) | (~c & a)) + x15 + 0x49b40821) | 0;
		b = (((n << 22) | (n >>> 10)) + c) | 0;
		// Round 2: (b & d) | (c & ~d)
		n = (a + ((b & d) | (c & ~d)) + x1 + 0xf61e2562) | 0;
		a = (((n << 5) | (n >>> 27)) + b) | 0;
		n = (d + ((a & c) | (b & ~c)) + x6 + 0xc040b340) | 0;
		d = (((n << 9) | (n >>> 23)) + a) | 0;
		n = (c + ((d & b) | (a & ~b)) + x11 + 0x265e5a51) | 0;
		c = (((n << 14) | (n >>> 18)) + d) | 0;
		n = (b + ((c & a) | (d & ~a)) + x0 + 0xe9b6c7aa) | 0;
		b = (((n << 20) | (n >>> 12)) + c) | 0;
		n = (a + ((b & d) | (c & ~d)) + x5 + 0xd62f105d) | 0;
		a = (((n << 5) | (n >>> 27)) + b) | 0;
		n = (d + ((a & c) | (b & ~c)) + x10 + 0x02441453) | 0;
		d = (((n << 9) | (n >>> 23)) + a) | 0;
		n = (c + ((d & b) | (a & ~b)) + x15 + 0xd8a1e681) | 0;
		c = (((n << 14) | (n >>> 18)) + d) | 0;
		n = (b + ((c & a) | (d & ~a)) + x4 + 0xe7d3fbc8) | 0;
		b = (((n << 20) | (n >>> 12)) + c) | 0;
		n = (a + ((b & d) | (c & ~d)) + x9 + 0x21e1cde6) | 0;
		a = (((n << 5) | (n >>> 27)) + b) | 0;
		n = (d + ((a & c) | (b & ~c)) + x14 + 0xc33707d6) | 0;
		d = (((n << 9) | (n >>> 23)) + a) | 0;
		n = (c + ((d & b) | (a & ~b)) + x3 + 0xf4d50d87) | 0;
		c = (((n << 14) | (n >>> 18)) + d) | 0;
		n = (b + ((c & a) | (d & ~a)) + x8 + 0x455a14ed) | 0;
		b = (((n << 20) | (n >>> 12)) + c) | 0;
		n = (a + ((b & d) | (c & ~d)) + x13 + 0xa9e3e905) | 0;
		a = (((n << 5) | (n >>> 27)) + b) | 0;
		n = (d + ((a & c) | (b & ~c)) + x2 + 0xfcefa3f8) | 0;
		d = (((n << 9) | (n >>> 23)) + a) | 0;
		n = (c + ((d & b) | (a & ~b)) + x7 + 0x676f02d9) | 0;
		c = (((n << 14) | (n >>> 18)) + d) | 0;
		n = (b + ((c & a) | (d & ~a)) + x12 + 0x8d2a4c8a) | 0;
		b = (((n << 20) | (n >>> 12)) + c) | 0;
		// Round 3: b ^ c ^ d
		n = (a + (b ^ c ^ d) + x5 + 0xfffa3942) | 0;
		a = (((n << 4) | (n >>> 28)) + b) | 0;
		n = (d + (a ^ b ^ c) + x8 + 0x8771f681) | 0;
		d = (((n << 11) | (n >>> 21)) + a) | 0;
		n = (c + (d ^ a ^ b) + x11 + 0x6d9d6122) | 0;
		c = (((n << 16) | (n >>> 16)) + d) | 0;
		n = (b + (c ^ d ^ a) + x14 + 0xfde5380c) | 0;
		b = (((n << 23) | (n >>> 9)) + c) | 0;
		n = (a + (b ^ c ^ d) + x1 + 0xa4beea44) | 0;
		a = (((n << 4) | (n >>> 28)) + b) | 0;
		n = (d + (a ^ b ^ c) + x4 + 0x4bdecfa9) | 0;
		d = (((n << 11) | (n >>> 21)) + a) | 0;
		n = (c + (d ^ a ^ b) + x7 + 0xf6bb4b60) | 0;
		c = (((n << 16) | (n >>> 16)) + d) | 0;
		n = (b + (c ^ d ^ a) + x10 + 0xbebfbc70) | 0;
		b = (((n << 23) | (n >>> 9)) + c) | 0;
		n = (a + (b ^ c ^ d) + x13 + 0x289b7ec6) | 0;
		a = (((n << 4) | (n >>> 28)) + b) | 0;
		n = (d + (a ^ b ^ c) + x0 + 0xeaa127fa) | 0;
		d = (((n << 11) | (n >>> 21)) + a) | 0;
		n = (c + (d ^ a ^ b) + x3 + 0xd4ef3085) | 0;
		c = (((n << 16) | (n >>> 16)) + d) | 0;
		n = (b + (c ^ d ^ a) + x6 + 0x04881d05) | 0;
		b = (((n << 23) | (n >>> 9)) + c) | 0;
		n = (a + (b ^ c ^ d) + x9 + 0xd9d4d039) | 0;
		a = (((n << 4) | (n >>> 28)) + b) | 0;
		n = (d + (a ^ b ^ c) + x12 + 0xe6db99e5) | 0;
		d = (((n << 11) | (n >>> 21)) + a) | 0;
		n = (c + (d ^ a ^ b) + x15 + 0x1fa27cf8) | 0;
		c = (((n << 16) | (n >>> 16)) + d) | 0;
		n = (b + (c ^ d ^ a) + x2 + 0xc4ac5665) | 0;
		b = (((n << 23) | (n >>> 9)) + c) | 0;
		// Round 4: c ^ (b | ~d)
		n = (a + (c ^ (b | ~d)) + x0 + 0xf4292244) | 0;
		a = (((n << 6) | (n >>> 26)) + b) | 0;
		n = (d + (b ^ (a | ~c)) + x7 + 0x432aff97) | 0;
		d = (((n << 10) | (n >>> 22)) + a) | 0;
		n = (c + (a ^ (d | ~b)) + x14 + 0xab9423a7) | 0;
		c = (((n << 15) | (n >>> 17)) + d) | 0;
		n = (b + (d ^ (c | ~a)) + x5 + 0xfc93a039) | 0;
		b = (((n << 21) | (n >>> 11)) + c) | 0;
		n = (a + (c ^ (b | ~d)) + x12 + 0x655b59c3) | 0;
		a = (((n << 6) | (n >>> 26)) + b) | 0;
		n = (d + (b ^ (a | ~c)) + x3 + 0x8f0ccc92) | 0;
		d = (((n << 10) | (n >>> 22)) + a) | 0;
		n = (c + (a ^ (d | ~b)) + x10 + 0xffeff47d) | 0;
		c = (((n << 15) | (n >>> 17)) + d) | 0;
		n = (b + (d ^ (c | ~a)) + x1 + 0x85845dd1) | 0;
		b = (((n << 21) | (n >>> 11)) + c) | 0;
		n = (a + (c ^ (b | ~d)) + x8 + 0x6fa87e4f) | 0;
		a = (((n << 6) | (n >>> 26)) + b) | 0;
		n = (d + (b ^ (a | ~c)) + x15 + 0xfe2ce6e0) | 0;
		d = (((n << 10) | (n >>> 22)) + a) | 0;
		n = (c + (a ^ (d | ~b)) + x6 + 0xa3014314) | 0;
		c = (((n << 15) | (n >>> 17)) + d) | 0;
		n = (b + (d ^ (c | ~a)) + x13 + 0x4e0811a1) | 0;
		b = (((n << 21) | (n >>> 11)) + c) | 0;
		n = (a + (c ^ (b | ~d)) + x4 + 0xf7537e82) | 0;
		a = (((n << 6) | (n >>> 26)) + b) | 0;
		n = (d + (b ^ (a | ~c)) + x11 + 0xbd3af235) | 0;
		d = (((n << 10) | (n >>> 22)) + a) | 0;
		n = (c + (a ^ (d | ~b)) + x2 + 0x2ad7d2bb) | 0;
		c = (((n << 15) | (n >>> 17)) + d) | 0;
		n = (b + (d ^ (c | ~a)) + x9 + 0xeb86d391) | 0;
		b = (((n << 21) | (n >>> 11)) + c) | 0;
		a = (a + aa) | 0;
		b = (b + bb) | 0;
		c = (c + cc) | 0;
		d = (d + dd) | 0;
	}
	// total is a multiple of 64.
	for (let index = 0; index < total; index += 4) words.setInt32(index, 0);
	// The digest is a, b, c, d, each little-endian: as a big-endian number, each word byte-swapped.
	out[outAt] = swap(a);
	out[outAt + 1] = swap(b);
	out[outAt + 2] = swap(c);
	out[outAt + 3] = swap(d);
}

const swap = (word: number): number => ((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24);

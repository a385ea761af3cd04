/**
 * The least of the values seen in the last `windowMs` (to within a slice of it), in a fixed memory: the
 * window is cut into `slices`, each keeping the least value seen in it. A running minimum that is
 * replaced once it is old would take whatever comes next, however large; this forgets a value only
 * when its slice leaves the window, whatever came after it.
 */
export class WindowedMinimum {
	private readonly sliceMs: number;
	/** Each slice's least value, and which slice of time (its start ÷ sliceMs) it is the least of. */
	private readonly least: number[];
	private readonly sliceOf: number[];

	constructor(
		windowMs: number,
		private readonly slices = 10,
	) {
		this.sliceMs = windowMs / slices;
		this.least = Array.from({length: slices}, () => Number.POSITIVE_INFINITY);
		this.sliceOf = Array.from({length: slices}, () => Number.NEGATIVE_INFINITY);
	}

	add(value: number, nowMs: number): void {
		const slice = Math.floor(nowMs / this.sliceMs);
		const at = slice % this.slices;
		if (this.sliceOf[at] !== slice) {
			this.sliceOf[at] = slice;
			this.least[at] = value;
		} else if (value < (this.least[at] as number)) {
			this.least[at] = value;
		}
	}

	/** The least value of the window that ends now; undefined if none was seen in it. */
	value(nowMs: number): number | undefined {
		const slice = Math.floor(nowMs / this.sliceMs);
		let least = Number.POSITIVE_INFINITY;
		for (let at = 0; at < this.slices; at++) {
			const of = this.sliceOf[at] as number;
			if (of > slice - this.slices && of <= slice) least = Math.min(least, this.least[at] as number);
		}
		return Number.isFinite(least) ? least : undefined;
	}
}

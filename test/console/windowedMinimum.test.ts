import {describe, expect, it} from 'vitest';
import {WindowedMinimum} from '../../source/console/windowedMinimum.js';

describe('WindowedMinimum', () => {
	it('is the least value of the window, forgetting each only when its slice leaves the window', () => {
		const minimum = new WindowedMinimum(10_000);
		expect(minimum.value(0)).toBeUndefined();
		minimum.add(30, 0);
		minimum.add(50, 500);
		minimum.add(20, 4_000);
		minimum.add(90, 9_500);
		expect(minimum.value(9_999)).toBe(20);
		// The 30 at 0 s has left; the 20 at 4 s has not.
		expect(minimum.value(12_000)).toBe(20);
		// Once the 20 has left, the least of what came after it, not the next value to come.
		expect(minimum.value(14_000)).toBe(90);
		minimum.add(200, 14_000);
		expect(minimum.value(14_000)).toBe(90);
		expect(minimum.value(19_000)).toBe(200);
		expect(minimum.value(30_000)).toBeUndefined();
	});

	it('keeps the least of values in one slice, and a slice used again later starts afresh', () => {
		const minimum = new WindowedMinimum(1_000, 4);
		minimum.add(7, 10);
		minimum.add(3, 20);
		minimum.add(5, 30);
		expect(minimum.value(40)).toBe(3);
		// 1,000 ms later the same slot holds another slice of time: the 3 is gone.
		minimum.add(9, 1_010);
		expect(minimum.value(1_010)).toBe(9);
	});
});

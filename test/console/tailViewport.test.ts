import {describe, expect, it} from 'vitest';
import type {ShownPlaces} from '../../source/console/tailStore/shownRecords.js';
import {Viewport} from '../../source/console/tailStore/viewport.js';

/** Shown records whose indexes run from `head` (the tail's count of records that fell out before them). */
const shown = (count: number, head = 0): ShownPlaces => ({
	count,
	indexAt: (place) => head + place,
	placeOf: (index) => Math.min(Math.max(0, index - head), Math.max(0, count - 1)),
});

describe('the tail viewport', () => {
	it('follows the newest record, showing the last rows', () => {
		const viewport = new Viewport();
		viewport.setHeight(5);
		expect(viewport.window(shown(0))).toEqual({top: 0, selected: -1});
		expect(viewport.window(shown(3))).toEqual({top: 0, selected: 2});
		expect(viewport.window(shown(12))).toEqual({top: 7, selected: 11});
		expect(viewport.selected(shown(12))).toBe(11);
	});

	it('stays on the record scrolled to while newer ones arrive, and follows again at the bottom', () => {
		const viewport = new Viewport();
		viewport.setHeight(5);
		expect(viewport.move('up', shown(12))).toBe('moved');
		expect(viewport.following).toBe(false);
		expect(viewport.window(shown(12))).toEqual({top: 7, selected: 10});
		// Twenty more arrive: the selection stays on index 10, in view.
		expect(viewport.window(shown(32))).toEqual({top: 7, selected: 10});
		expect(viewport.move('pageUp', shown(32))).toBe('moved');
		expect(viewport.window(shown(32))).toEqual({top: 6, selected: 6});
		expect(viewport.move('top', shown(32))).toBe('moved');
		expect(viewport.window(shown(32))).toEqual({top: 0, selected: 0});
		expect(viewport.move('bottom', shown(32))).toBe('follow');
		expect(viewport.move('down', shown(0))).toBe('none');
	});

	it('keeps to the oldest record left when the one selected falls out of the buffer', () => {
		const viewport = new Viewport();
		viewport.setHeight(5);
		viewport.move('top', shown(10));
		// Fifteen records fell out: index 0 is gone, the oldest shown (index 15) is selected.
		expect(viewport.window(shown(10, 15))).toEqual({top: 0, selected: 0});
		expect(viewport.selected(shown(10, 15))).toBe(15);
	});

	it('changes height only to a whole number of rows, at least one', () => {
		const viewport = new Viewport();
		expect(viewport.setHeight(20)).toBe(false);
		expect(viewport.setHeight(0)).toBe(true);
		expect(viewport.height).toBe(1);
		expect(viewport.setHeight(7.6)).toBe(true);
		expect(viewport.height).toBe(7);
	});
});

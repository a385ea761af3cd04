import type {ShownPlaces} from './shownRecords.js';

/** What the tail view's list commands ask. */
export type MoveCommand = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom';

/** The rows in view: the place of the first and of the selected one among the shown records. */
export interface ViewWindow {
	readonly top: number;
	/** -1 when nothing is shown. */
	readonly selected: number;
}

/**
 * Where the user is in a tail: following the newest record (selected, and kept in view as records
 * arrive), or at a record they scrolled to, which stays selected while newer ones arrive below.
 * Positions are the tail's record indexes, so they hold while the shown records move on.
 */
export class Viewport {
	following = true;
	private selectedIndex = 0;
	private topIndex = 0;
	/** How many rows the view shows. */
	height = 20;

	/** Returns whether the height changed. */
	setHeight(rows: number): boolean {
		const next = Math.max(1, Math.floor(rows));
		if (next === this.height) return false;
		this.height = next;
		return true;
	}

	/** Moves the selection; returns 'follow' when it reached the newest record going down (follow it then). */
	move(command: MoveCommand, shown: ShownPlaces): 'follow' | 'moved' | 'none' {
		const count = shown.count;
		if (count === 0) return 'none';
		const last = count - 1;
		const current = this.following ? last : shown.placeOf(this.selectedIndex);
		const page = Math.max(1, this.height - 1);
		let next = current;
		if (command === 'up') next = current - 1;
		else if (command === 'down') next = current + 1;
		else if (command === 'pageUp') next = current - page;
		else if (command === 'pageDown') next = current + page;
		else if (command === 'top') next = 0;
		else next = last;
		next = Math.min(last, Math.max(0, next));
		if (next === last && (command === 'down' || command === 'pageDown' || command === 'bottom')) return 'follow';
		if (this.following) this.topIndex = shown.indexAt(Math.max(0, count - this.height));
		this.following = false;
		this.selectedIndex = shown.indexAt(next);
		return 'moved';
	}

	/** The selected record's index, if any is shown. */
	selected(shown: ShownPlaces): number | undefined {
		const count = shown.count;
		if (count === 0) return undefined;
		return shown.indexAt(this.following ? count - 1 : shown.placeOf(this.selectedIndex));
	}

	/** The rows in view now; keeps the selection in view and remembers where the window is. */
	window(shown: ShownPlaces): ViewWindow {
		const count = shown.count;
		if (count === 0) return {top: 0, selected: -1};
		const height = this.height;
		if (this.following) return {top: Math.max(0, count - height), selected: count - 1};
		const selected = shown.placeOf(this.selectedIndex);
		let top = Math.min(shown.placeOf(this.topIndex), Math.max(0, count - height));
		if (selected < top) top = selected;
		if (selected >= top + height) top = selected - height + 1;
		this.selectedIndex = shown.indexAt(selected);
		this.topIndex = shown.indexAt(top);
		return {top, selected};
	}
}

import {Store} from './store.js';

export interface Notice {
	readonly level: 'info' | 'warning' | 'error';
	readonly text: string;
	readonly at: Date;
}

/** The last thing worth telling the user (an error, a throttle, a saved file), for the status line. */
export class NoticeStore extends Store<Notice | undefined> {
	constructor() {
		super(undefined);
	}

	say(level: Notice['level'], text: string): void {
		this.set({level, text, at: new Date()});
	}

	clear(): void {
		this.set(undefined);
	}
}

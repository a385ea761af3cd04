import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {Store, type Loadable} from './store.js';
import {streamOverviews, type StreamOverview} from './streams.js';

/** Every stream, refreshed on an interval while something watches it. */
export class StreamsStore extends Store<Loadable<readonly StreamOverview[]>> {
	private timer: NodeJS.Timeout | undefined;
	private loading = false;

	constructor(
		private readonly kinesis: KinesisClient,
		private readonly describeError: (error: unknown) => Promise<string>,
		private readonly intervalMs = 5_000,
	) {
		super({status: 'loading'});
	}

	start(): void {
		if (this.timer) return;
		void this.refresh();
		this.timer = setInterval(() => void this.refresh(), this.intervalMs);
		this.timer.unref?.();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	async refresh(): Promise<void> {
		if (this.loading) return;
		this.loading = true;
		try {
			const value = await streamOverviews(this.kinesis);
			this.set({status: 'ready', value, updatedAt: new Date()});
		} catch (error) {
			const message = await this.describeError(error);
			// Keep showing what was loaded; say that the refresh failed.
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		} finally {
			this.loading = false;
		}
	}
}

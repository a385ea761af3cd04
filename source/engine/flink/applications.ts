import type {Store} from '../store/store.js';

/**
 * Managed Service for Apache Flink (Kinesis Data Analytics v2) applications as the engine keeps them:
 * their configuration and their status, and nothing else. The engine runs no application: no Flink
 * job or SQL query starts, nothing reads the stream an application names, and no metric is published
 * for it. Statuses follow from times, as AWS's do: READY after CreateApplication; STARTING, then
 * RUNNING after StartApplication; STOPPING (FORCE_STOPPING with Force), then READY after
 * StopApplication; DELETING, then gone after DeleteApplication. Applications are kept in the store
 * (beside Firehose's delivery streams), so they survive a restart with a data directory.
 */

/** The statuses AWS names (ApplicationStatus in the service model, kinesisanalyticsv2 2018-05-23). */
export type ApplicationStatus =
	| 'DELETING'
	| 'STARTING'
	| 'STOPPING'
	| 'READY'
	| 'RUNNING'
	| 'UPDATING'
	| 'AUTOSCALING'
	| 'FORCE_STOPPING'
	| 'ROLLING_BACK'
	| 'MAINTENANCE'
	| 'ROLLED_BACK';

const KIND = 'flink';

/** Plain data, as the store keeps it. */
export interface Application {
	readonly region: string;
	readonly name: string;
	readonly arn: string;
	readonly description: string | undefined;
	readonly runtimeEnvironment: string;
	readonly serviceExecutionRole: string;
	readonly applicationMode: string | undefined;
	/** ApplicationConfigurationDescription, as DescribeApplication answers it (built once at creation). */
	readonly configuration: Record<string, unknown>;
	readonly createdMs: number;
	/** Where the status is heading (READY or RUNNING), and the transition on the way there. */
	settled: 'READY' | 'RUNNING';
	transition: {readonly status: ApplicationStatus; readonly untilMs: number} | undefined;
	deletedAtMs: number | undefined;
	lastUpdateMs: number;
}

export class Applications {
	private readonly byKey = new Map<string, Application>();

	constructor(
		private readonly store: Store,
		private readonly now: () => number,
		/** How long STARTING, STOPPING, FORCE_STOPPING and DELETING last. */
		private readonly transitionMs: number,
	) {
		for (const application of store.loadResources<Application>(KIND))
			this.byKey.set(keyOf(application.region, application.name), application);
	}

	/** The status now; undefined once a deletion has finished. */
	statusOf(application: Application): ApplicationStatus | undefined {
		const nowMs = this.now();
		if (application.deletedAtMs !== undefined) return nowMs < application.deletedAtMs ? 'DELETING' : undefined;
		if (application.transition && nowMs < application.transition.untilMs) return application.transition.status;
		return application.settled;
	}

	get(region: string, name: string): Application | undefined {
		const key = keyOf(region, name);
		const application = this.byKey.get(key);
		if (application === undefined) return undefined;
		if (this.statusOf(application) === undefined) {
			this.byKey.delete(key);
			// Gone already by its time: forgetting it on disk is tidying, which a failure here (retried at the next start) does not undo.
			this.store.saveResource(KIND, region, name, undefined).catch(() => undefined);
			return undefined;
		}
		return application;
	}

	/** The region's applications, by name (ListApplications pages in that order). */
	list(region: string): Application[] {
		return [...this.byKey.values()]
			.filter((application) => application.region === region && this.get(region, application.name) !== undefined)
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	/** Keeps a new application; resolves once it is stored. */
	async add(application: Omit<Application, 'settled' | 'transition' | 'deletedAtMs' | 'lastUpdateMs'>): Promise<Application> {
		const added: Application = {...application, settled: 'READY', transition: undefined, deletedAtMs: undefined, lastUpdateMs: this.now()};
		await this.save(added);
		this.byKey.set(keyOf(application.region, application.name), added);
		return added;
	}

	/** Moves it through `status` to `settled`. */
	async move(application: Application, status: ApplicationStatus, settled: 'READY' | 'RUNNING'): Promise<void> {
		const nowMs = this.now();
		application.settled = settled;
		application.transition = {status, untilMs: nowMs + this.transitionMs};
		application.lastUpdateMs = nowMs;
		await this.save(application);
	}

	async delete(application: Application): Promise<void> {
		application.deletedAtMs = this.now() + this.transitionMs;
		application.transition = undefined;
		await this.save(application);
	}

	private async save(application: Application): Promise<void> {
		await this.store.saveResource(KIND, application.region, application.name, application);
	}
}

const keyOf = (region: string, name: string): string => `${region}\u0000${name}`;

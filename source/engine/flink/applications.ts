/**
 * Managed Service for Apache Flink (Kinesis Data Analytics v2) applications as the engine keeps them:
 * their configuration and their status, and nothing else. The engine runs no application: no Flink
 * job or SQL query starts, nothing reads the stream an application names, and no metric is published
 * for it. Statuses follow from times, as AWS's do: READY after CreateApplication; STARTING, then
 * RUNNING after StartApplication; STOPPING (FORCE_STOPPING with Force), then READY after
 * StopApplication; DELETING, then gone after DeleteApplication.
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
		private readonly now: () => number,
		/** How long STARTING, STOPPING, FORCE_STOPPING and DELETING last. */
		private readonly transitionMs: number,
	) {}

	/** The status now; undefined once a deletion has finished. */
	statusOf(application: Application): ApplicationStatus | undefined {
		const nowMs = this.now();
		if (application.deletedAtMs !== undefined) return nowMs < application.deletedAtMs ? 'DELETING' : undefined;
		if (application.transition && nowMs < application.transition.untilMs) return application.transition.status;
		return application.settled;
	}

	get(region: string, name: string): Application | undefined {
		const key = `${region}\u0000${name}`;
		const application = this.byKey.get(key);
		if (application === undefined) return undefined;
		if (this.statusOf(application) === undefined) {
			this.byKey.delete(key);
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

	add(application: Omit<Application, 'settled' | 'transition' | 'deletedAtMs' | 'lastUpdateMs'>): Application {
		const added: Application = {...application, settled: 'READY', transition: undefined, deletedAtMs: undefined, lastUpdateMs: this.now()};
		this.byKey.set(`${application.region}\u0000${application.name}`, added);
		return added;
	}

	/** Moves it through `status` to `settled`. */
	move(application: Application, status: ApplicationStatus, settled: 'READY' | 'RUNNING'): void {
		const nowMs = this.now();
		application.settled = settled;
		application.transition = {status, untilMs: nowMs + this.transitionMs};
		application.lastUpdateMs = nowMs;
	}

	delete(application: Application): void {
		application.deletedAtMs = this.now() + this.transitionMs;
		application.transition = undefined;
	}
}

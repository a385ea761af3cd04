import {createContext, useContext} from 'react';
import type {ConnectionTarget} from '../console/connect.js';
import type {DashboardStore} from '../console/dashboardStore.js';
import type {NoticeStore} from '../console/notices.js';
import type {RequestBudget} from '../console/requestBudget.js';
import type {StreamsStore} from '../console/streamsStore.js';
import type {TailSettings, TailStore} from '../console/tailStore.js';
import type {ConsumerServices} from './consumerServices.js';
import type {Operations} from './operations.js';

/** What the views reach the console core through: stores, never SDK clients. */
export interface ConsoleServices {
	readonly target: ConnectionTarget;
	readonly readOnly: boolean;
	readonly streams: StreamsStore;
	readonly notices: NoticeStore;
	/** The connection's request budget: what AWS is throttling shows on the status line while it lasts. */
	readonly budget?: RequestBudget;
	/** A new dashboard store for one stream; the view starts it while on top and stops it after. */
	readonly dashboard: (stream: string) => DashboardStore;
	/** A new tail of a stream or one shard; the tail view runs it while on top (nothing can open above it) and stops it when it closes. */
	readonly tail: (settings: TailSettings) => TailStore;
	/** Resharding and retention changes (planners and executors); absent, the views say changes are not available. */
	readonly operations?: Operations;
	/** Consumers, checkpoints and lag (also under --read-only), and checkpoint resets (not under it); absent, the views say so. */
	readonly consumers?: ConsumerServices;
}

export const ServicesContext = createContext<ConsoleServices | undefined>(undefined);

export function useServices(): ConsoleServices {
	const services = useContext(ServicesContext);
	if (!services) throw new Error('useServices outside of the console app');
	return services;
}

import {Timestamp} from '../../protocol/values.js';
import type {Store} from '../../store/store.js';
import type {AccountSettings} from '../../store/streamState.js';

/**
 * "Commitments have a minimum duration of 24 hours that must be honored before they can be disabled. If
 * you attempt to disable a commitment before the minimum commitment period ends, the commitment will be
 * scheduled for automatic disable at the earliest allowed end time. You can cancel a pending disable by
 * enabling the commitment again before the earliest allowed end time."
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MinimumThroughputBillingCommitmentInput.html)
 */
export const COMMITMENT_MS = 24 * 3_600_000;

const NEVER_ENABLED: AccountSettings = {status: 'DISABLED'};

/** The minimum throughput billing commitment of the account, per region, kept in the store. */
export class AccountSettingsBook {
	private readonly byRegion: Map<string, AccountSettings>;

	constructor(private readonly store: Store) {
		this.byRegion = store.loadAccountSettings();
	}

	/** The settings as they stand now: a disable scheduled for a time now past has happened. */
	current(region: string, nowMs: number): AccountSettings {
		const settings = this.byRegion.get(region) ?? NEVER_ENABLED;
		const endMs = settings.earliestAllowedEndMs;
		if (settings.status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' && endMs !== undefined && nowMs >= endMs) {
			return {...settings, status: 'DISABLED', endedMs: endMs};
		}
		return settings;
	}

	/** True while the commitment holds (warm throughput is available only then). */
	committed(region: string, nowMs: number): boolean {
		return this.current(region, nowMs).status !== 'DISABLED';
	}

	/** Applies a wanted status as AWS does (see COMMITMENT_MS) and keeps the result. */
	async update(region: string, wanted: 'ENABLED' | 'DISABLED', nowMs: number): Promise<AccountSettings> {
		const now = this.current(region, nowMs);
		const next = nextSettings(now, wanted, nowMs);
		if (next !== now) {
			await this.store.saveAccountSettings(region, next);
			this.byRegion.set(region, next);
		}
		return next;
	}
}

function nextSettings(now: AccountSettings, wanted: 'ENABLED' | 'DISABLED', nowMs: number): AccountSettings {
	if (wanted === 'ENABLED') {
		if (now.status === 'ENABLED') return now;
		// Enabling again before the earliest end cancels the pending disable.
		if (now.status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END') return {...now, status: 'ENABLED'};
		return {status: 'ENABLED', startedMs: nowMs, earliestAllowedEndMs: nowMs + COMMITMENT_MS};
	}
	if (now.status !== 'ENABLED') return now;
	const earliest = now.earliestAllowedEndMs ?? nowMs;
	if (nowMs < earliest) return {...now, status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END'};
	return {...now, status: 'DISABLED', endedMs: nowMs};
}

/** MinimumThroughputBillingCommitmentOutput, as DescribeAccountSettings and UpdateAccountSettings answer it. */
export function describeCommitment(settings: AccountSettings) {
	return {
		Status: settings.status,
		...(settings.startedMs === undefined ? {} : {StartedAt: new Timestamp(settings.startedMs)}),
		...(settings.endedMs === undefined ? {} : {EndedAt: new Timestamp(settings.endedMs)}),
		...(settings.earliestAllowedEndMs === undefined ? {} : {EarliestAllowedEndAt: new Timestamp(settings.earliestAllowedEndMs)}),
	};
}

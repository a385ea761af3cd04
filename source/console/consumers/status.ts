import type {LagPoint} from './kind.js';

/**
 * Who is behind: a consumer's status judged over a window of readings rather than by a fixed
 * threshold. Pure: the readings come from the kinds (kind.ts `health`), taken by the screen's store
 * or the `consumers` command, or kept by CloudWatch.
 *
 * The rules, first that holds:
 * - ERROR: it reports a failure now (a Lambda mapping's LastProcessingResult "PROBLEM: …", a FAILED channel).
 * - STOPPED: nothing reads for it now (a disabled mapping, leases no worker owns, a fan-out consumer with
 *   no subscriber for 5 minutes, a channel not ACTIVE).
 * - STALLED: records wait (its lag is above 0) and its position did not move over the whole window,
 *   and the window spans at least STALL_MS. Where its kind sees its positions (KCL checkpoints), every
 *   reading had the same; where it cannot, its lag grew with the clock (by at least 90% of the time
 *   between the readings): a reader that does not move ages exactly as fast as time passes.
 * - WARNING: its lag grows: the least lag in the newer half of the window is above the least in the
 *   older half by more than GROWTH_TOLERANCE_MS and a tenth. Least, because a consumer that
 *   checkpoints every minute ages between its checkpoints: its troughs tell whether it keeps up.
 * - OK: otherwise (its lag falls, holds, or is unknown).
 */
export type ConsumerStatus = 'OK' | 'WARNING' | 'STALLED' | 'STOPPED' | 'ERROR';

/** One reading of a consumer, as the judgement takes it. */
export interface Reading extends LagPoint {
	/** Its position token (kind.ts ConsumerHealth.position); undefined when its kind cannot see it. */
	readonly position?: string | undefined;
}

export interface Now {
	readonly reading: boolean | undefined;
	readonly failure: string | undefined;
}

export interface Judgement {
	readonly status: ConsumerStatus;
	/** Why, in a few words. */
	readonly reason: string;
}

/** The least span over which a flat position is a stall: KCL's samples checkpoint once a minute (CHECKPOINT_INTERVAL_MILLIS 60000L). */
export const STALL_MS = 60_000;
/** Lag growth below this is noise (CloudWatch's minutes, a reading's own time). */
export const GROWTH_TOLERANCE_MS = 1_000;

/** The status over the readings within `windowMs` of the newest. */
export function judge(readings: readonly Reading[], now: Now, windowMs: number): Judgement {
	if (now.failure !== undefined) return {status: 'ERROR', reason: now.failure};
	if (now.reading === false) return {status: 'STOPPED', reason: 'nothing reads'};
	const sorted = [...readings].sort((a, b) => a.atMs - b.atMs);
	const newest = sorted.at(-1);
	if (newest === undefined) return {status: 'OK', reason: 'no reading yet'};
	const inWindow = sorted.filter((reading) => reading.atMs >= newest.atMs - windowMs);
	const known = inWindow.filter((reading): reading is Reading & {lagMs: number} => reading.lagMs !== undefined);
	const first = inWindow[0] ?? newest;
	const spanMs = newest.atMs - first.atMs;
	const lastLag = known.at(-1)?.lagMs;
	if (lastLag !== undefined && lastLag > 0 && spanMs >= STALL_MS && stood(inWindow, known))
		return {status: 'STALLED', reason: `its position did not move for ${Math.round(spanMs / 1000)} s while records wait`};
	const growth = troughGrowth(known, first.atMs + spanMs / 2);
	if (growth !== undefined && growth.newer > growth.older + GROWTH_TOLERANCE_MS + growth.older / 10)
		return {status: 'WARNING', reason: 'its lag grows'};
	return {status: 'OK', reason: lastLag === undefined ? 'lag unknown' : 'keeping up'};
}

/** Whether the position stood still over the readings: the same token throughout, or, without tokens, lag growing with the clock. */
function stood(readings: readonly Reading[], known: ReadonlyArray<Reading & {lagMs: number}>): boolean {
	const positions = readings.map((reading) => reading.position);
	if (positions.every((position) => position !== undefined)) return new Set(positions).size === 1;
	if (known.length < 2) return false;
	for (let index = 1; index < known.length; index++) {
		const before = known[index - 1];
		const after = known[index];
		if (before === undefined || after === undefined) return false;
		if (after.lagMs - before.lagMs < 0.9 * (after.atMs - before.atMs)) return false;
	}
	return true;
}

/** The least lag of the older and of the newer half of the readings; undefined unless each half has one. */
function troughGrowth(known: ReadonlyArray<Reading & {lagMs: number}>, middleMs: number): {older: number; newer: number} | undefined {
	const older = known.filter((reading) => reading.atMs < middleMs).map((reading) => reading.lagMs);
	const newer = known.filter((reading) => reading.atMs >= middleMs).map((reading) => reading.lagMs);
	if (older.length === 0 || newer.length === 0) return undefined;
	return {older: Math.min(...older), newer: Math.min(...newer)};
}

/** Worst first: the order of the "who is behind" list. */
export const STATUS_ORDER: readonly ConsumerStatus[] = ['ERROR', 'STALLED', 'STOPPED', 'WARNING', 'OK'];

/** How long until its oldest unread record passes the stream's retention: retention less its lag, never below 0; undefined when its lag is unknown. */
export function expiresInMs(lagMs: number | undefined, retentionMs: number | undefined): number | undefined {
	if (lagMs === undefined || retentionMs === undefined) return undefined;
	return Math.max(0, retentionMs - lagMs);
}

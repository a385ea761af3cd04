import {DescribeLimitsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {PlanProblem} from './changes.js';
import {ConsoleError} from './failures.js';
import {MAX_HASH_KEY, partitionKeyHash} from './hashKeys.js';
import {
	KEY_SPACE,
	SCALING_LIMITS,
	SHARD_WRITE_LIMITS,
	keySpaceShare,
	shardNumber,
	type MergePlan,
	type RangePreview,
	type RangeTraffic,
	type ScaleLimits,
	type ScalePlan,
	type SplitPlan,
	type SplitMethod,
	type SplitRequest,
	type StreamShape,
} from './reshard.js';
import type {ShardView} from './streams.js';
import {countInRange, hashKeyCounts, type HashKeyCount, type Observation, type ShardTraffic, type TrafficReport} from './traffic.js';
import {formatBytesRate, formatCount, formatPercent, formatRate} from './format.js';

/**
 * The planners of resharding: pure functions from a stream's shape (status, mode, open shards) and what
 * is known of its traffic to a plan that previews the resulting ranges, with its problems and warnings.
 */

/** Plans a split of an open shard. */
export function planSplit(shape: StreamShape, request: SplitRequest): SplitPlan {
	const problems: PlanProblem[] = [...statusProblems(shape)];
	const warnings: string[] = [...modeWarnings(shape)];
	const shard = findShard(shape, request.shardId, problems);
	const start = shard ? BigInt(shard.startingHashKey) : 0n;
	const end = shard ? BigInt(shard.endingHashKey) : MAX_HASH_KEY;
	const counts = request.observations === undefined ? undefined : hashKeyCounts(request.observations);
	const inRange = counts?.filter((entry) => entry.hashKey >= start && entry.hashKey <= end);
	const inRangeTotal = inRange?.reduce((sum, entry) => sum + entry.count, 0) ?? 0;
	const total = counts?.reduce((sum, entry) => sum + entry.count, 0) ?? 0;

	let method: SplitMethod;
	let key: bigint | undefined;
	if (request.at === 'midpoint') {
		method = 'midpoint';
		key = start + (end - start + 1n) / 2n;
	} else if (request.at === 'median') {
		method = 'median';
		key = medianSplitKey(inRange ?? [], start, end, problems, request.shardId);
	} else {
		method = 'hash-key';
		key = parseHashKey(request.at.hashKey, problems);
	}
	if (shard && key !== undefined && !(key > start + 1n && key < end)) {
		problems.push({
			kind: 'refused',
			message:
				end - start < 3n
					? `${request.shardId} spans only ${end - start + 1n} hash keys: too few to split.`
					: `The split point ${key} is not inside ${request.shardId}: Kinesis takes a NewStartingHashKey greater than ${start + 1n} (one plus the shard's first hash key) and less than ${end} (its last).`,
		});
	}
	const splitAt = shard !== undefined && key !== undefined && key > start + 1n && key < end ? key : undefined;
	const rangeTraffic = (from: bigint, to: bigint): RangeTraffic | undefined => {
		// Nothing observed in the shard says nothing of its ranges' shares (not 0% of it each).
		if (inRange === undefined || inRangeTotal === 0) return undefined;
		const records = countInRange(inRange, from, to);
		return {records, share: inRangeTotal > 0 ? records / inRangeTotal : 0};
	};
	const parent = preview(start, end, shard?.shardId, rangeTraffic(start, end));
	const children: SplitPlan['children'] =
		splitAt === undefined
			? []
			: [
					preview(start, splitAt - 1n, undefined, rangeTraffic(start, splitAt - 1n)),
					preview(splitAt, end, undefined, rangeTraffic(splitAt, end)),
				];

	if (counts !== undefined) warnings.push(...observedTrafficWarnings(request, {start, end, total, inRangeTotal, method}));
	return {
		operation: 'split',
		stream: shape.stream,
		shardId: request.shardId,
		method,
		newStartingHashKey: splitAt?.toString() ?? '',
		parent,
		children,
		...(counts === undefined
			? {}
			: {
					observed: {
						...(request.observedFrom === undefined ? {} : {from: request.observedFrom}),
						records: total,
						inRange: inRangeTotal,
						outsideRange: total - inRangeTotal,
						distinctHashKeys: inRange?.length ?? 0,
					},
				}),
		openShards: {before: shape.openShards.length, after: shape.openShards.length + 1},
		lastShardId: shape.lastShardId,
		problems,
		warnings,
	};
}

/** What the records observed say against a split: too few to trust, keys outside the shard, or one key too hot to divide. */
function observedTrafficWarnings(
	request: SplitRequest,
	{
		start,
		end,
		total,
		inRangeTotal,
		method,
	}: {readonly start: bigint; readonly end: bigint; readonly total: number; readonly inRangeTotal: number; readonly method: SplitMethod},
): string[] {
	const warnings: string[] = [];
	const outside = total - inRangeTotal;
	if (total === 0) warnings.push(`No records of ${request.shardId} were observed: the shares of its traffic are unknown.`);
	else if (inRangeTotal < 100 && method === 'median')
		warnings.push(`Only ${formatCount(inRangeTotal)} records were observed: the median is a rough guess.`);
	if (outside > 0) {
		warnings.push(
			`${formatCount(outside)} of the ${formatCount(total)} observed records have hash keys outside ${request.shardId}'s range (written with an ExplicitHashKey, which records read back do not carry): they are left out of the shares.`,
		);
	}
	const hottest = hottestKey(request.observations ?? [], start, end);
	if (hottest && inRangeTotal > 0 && hottest.count / inRangeTotal > 0.5) {
		warnings.push(
			`The ${hottest.partitionKey === undefined ? `hash key ${hottest.hashKey}` : `partition key '${hottest.partitionKey}'`} takes ${formatPercent(hottest.count / inRangeTotal)} of the shard's observed traffic: no split divides one key's records, so the child that holds it takes at least that much.`,
		);
	}
	return warnings;
}

/**
 * The split point that divides the observed records most evenly: between the two neighbouring hash keys
 * where the running count crosses half, at the middle of the gap (so that unseen keys split evenly too).
 */
function medianSplitKey(
	counts: readonly HashKeyCount[],
	start: bigint,
	end: bigint,
	problems: PlanProblem[],
	shardId: string,
): bigint | undefined {
	if (counts.length < 2) {
		problems.push({
			kind: 'refused',
			message:
				counts.length === 0
					? `No records of ${shardId} were observed: there is no median to split at.`
					: `All the observed records of ${shardId} have one hash key: no split point divides them.`,
			// Said for the screen and the command alike (PlanProblem's action names one remedy; this has three).
			hint: 'Observe more traffic, or split at the midpoint or at a given hash key (on the command line: a longer --sample, or --at).',
		});
		return undefined;
	}
	const total = counts.reduce((sum, entry) => sum + entry.count, 0);
	let running = 0;
	let best = 0;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (let index = 0; index < counts.length - 1; index++) {
		running += (counts[index] as HashKeyCount).count;
		const distance = Math.abs(running - total / 2);
		if (distance < bestDistance) {
			bestDistance = distance;
			best = index;
		}
	}
	const below = (counts[best] as HashKeyCount).hashKey;
	const above = (counts[best + 1] as HashKeyCount).hashKey;
	const key = (below + above + 1n) / 2n;
	// Kinesis's bounds: more than start + 1, less than end.
	return key <= start + 1n ? start + 2n : key >= end ? end - 1n : key;
}

function hottestKey(
	observations: readonly Observation[],
	start: bigint,
	end: bigint,
): {hashKey: bigint; partitionKey?: string; count: number} | undefined {
	const byHash = new Map<bigint, {hashKey: bigint; partitionKey?: string; count: number}>();
	for (const observation of observations) {
		const hashKey = 'partitionKey' in observation ? partitionKeyHash(observation.partitionKey) : BigInt(observation.hashKey);
		if (hashKey < start || hashKey > end) continue;
		let entry = byHash.get(hashKey);
		if (!entry)
			byHash.set(
				hashKey,
				(entry = {hashKey, count: 0, ...('partitionKey' in observation ? {partitionKey: observation.partitionKey} : {})}),
			);
		entry.count += observation.count ?? 1;
	}
	let hottest: {hashKey: bigint; partitionKey?: string; count: number} | undefined;
	for (const entry of byHash.values()) if (!hottest || entry.count > hottest.count) hottest = entry;
	return hottest;
}

/**
 * Plans a merge of two open shards, in either order: the plan names the lower one ShardToMerge, as Kinesis wants.
 * One function: the pair's checks, its traffic and the plan all read the same lower and upper shard and their rows.
 */
export function planMerge(
	shape: StreamShape,
	shardA: string,
	shardB: string,
	traffic?: TrafficReport,
	reason: MergePlan['reason'] = 'given',
): MergePlan {
	const problems: PlanProblem[] = [...statusProblems(shape)];
	const warnings: string[] = [...modeWarnings(shape)];
	const a = findShard(shape, shardA, problems);
	// One shard named twice is refused once: as not open when it is not, else as a merge with itself.
	const b = shardB === shardA ? a : findShard(shape, shardB, problems);
	if (shardA === shardB && a) problems.push({kind: 'refused', message: `A shard cannot be merged with itself (${shardA}).`});
	const [lower, upper] = a && b && BigInt(b.startingHashKey) < BigInt(a.startingHashKey) ? [b, a] : [a, b];
	if (lower && upper && shardA !== shardB && BigInt(lower.endingHashKey) + 1n !== BigInt(upper.startingHashKey)) {
		problems.push({
			kind: 'refused',
			message: `${shardA} and ${shardB} are not adjacent: ${lower.shardId} ends at ${lower.endingHashKey} and ${upper.shardId} starts at ${upper.startingHashKey}. Kinesis merges only two open shards whose hash key ranges meet.`,
			hint: `Adjacent pairs: ${adjacentPairs(shape)
				.slice(0, 8)
				.map(([x, y]) => `${x.shardId} ${y.shardId}`)
				.join('; ')}${adjacentPairs(shape).length > 8 ? '; ...' : ''}.`,
		});
	}
	const rows = knownTraffic(traffic);
	const lowerTraffic = lower ? rows.get(lower.shardId) : undefined;
	const upperTraffic = upper ? rows.get(upper.shardId) : undefined;
	const pairRecords = (lowerTraffic?.records ?? 0) + (upperTraffic?.records ?? 0);
	const known = traffic !== undefined && lowerTraffic !== undefined && upperTraffic !== undefined;
	const trafficOf = (row: typeof lowerTraffic): RangeTraffic | undefined =>
		known && row
			? {
					records: row.records,
					share: pairRecords > 0 ? row.records / pairRecords : 0,
					recordsPerSecond: row.recordsPerSecond,
					bytesPerSecond: row.bytesPerSecond,
				}
			: undefined;
	const start = BigInt(lower?.startingHashKey ?? '0');
	const end = BigInt(upper?.endingHashKey ?? MAX_HASH_KEY.toString());
	const mergedRate = (lowerTraffic?.recordsPerSecond ?? 0) + (upperTraffic?.recordsPerSecond ?? 0);
	const mergedBytes = (lowerTraffic?.bytesPerSecond ?? 0) + (upperTraffic?.bytesPerSecond ?? 0);
	if (known) {
		if (mergedRate > SHARD_WRITE_LIMITS.recordsPerSecond * 0.8 || mergedBytes > SHARD_WRITE_LIMITS.bytesPerSecond * 0.8) {
			warnings.push(
				`The merged shard would take about ${formatRate(mergedRate)} records/s and ${formatBytesRate(mergedBytes)}: near or over one shard's write limit (1,000 records/s, 1 MiB/s), so writes may be throttled.`,
			);
		}
		if (!(lowerTraffic?.complete ?? true) || !(upperTraffic?.complete ?? true))
			warnings.push('The traffic of these shards was only partly read: their rates are estimates.');
	} else if (traffic !== undefined) {
		warnings.push('The traffic of these shards is unknown.');
	}
	const complete = (traffic?.shards ?? []).every((row) => row.complete);
	return {
		operation: 'merge',
		stream: shape.stream,
		shardToMerge: lower?.shardId ?? shardA,
		adjacentShardToMerge: upper?.shardId ?? shardB,
		reason,
		shards: [
			lower ? preview(BigInt(lower.startingHashKey), BigInt(lower.endingHashKey), lower.shardId, trafficOf(lowerTraffic)) : missing(shardA),
			upper ? preview(BigInt(upper.startingHashKey), BigInt(upper.endingHashKey), upper.shardId, trafficOf(upperTraffic)) : missing(shardB),
		],
		merged: preview(
			start,
			end,
			undefined,
			known ? {records: pairRecords, share: 1, recordsPerSecond: mergedRate, bytesPerSecond: mergedBytes} : undefined,
		),
		...(traffic === undefined
			? {}
			: {
					traffic: {
						source: traffic.source,
						windowMs: traffic.windowMs,
						complete,
						...(traffic.note === undefined ? {} : {note: traffic.note}),
					},
				}),
		openShards: {before: shape.openShards.length, after: shape.openShards.length - 1},
		lastShardId: shape.lastShardId,
		problems,
		warnings,
	};
}

/**
 * The shards whose traffic the report tells: a count cut short before it read a record (a sample's
 * deadline reached first) tells nothing, and is not a shard of 0 records a second.
 */
function knownTraffic(traffic: TrafficReport | undefined): Map<string, ShardTraffic> {
	return new Map((traffic?.shards ?? []).filter((row) => row.complete || row.records > 0).map((row) => [row.shardId, row]));
}

/**
 * Proposes the coldest adjacent pair: the fewest records per second together, then the smallest share of
 * the key space, then the lowest. Only pairs whose two shards' traffic is known are ranked by it: a shard
 * the traffic does not cover (out of a screen's view, not measured) is unknown, not cold. With no pair
 * known, the pair with the smallest share of the key space is proposed, and said to be that. Throws when
 * the stream has no adjacent pair.
 */
export function proposeMerge(shape: StreamShape, traffic?: TrafficReport): MergePlan {
	const pairs = adjacentPairs(shape);
	if (pairs.length === 0) {
		throw new ConsoleError({
			kind: 'not-allowed',
			message: `'${shape.stream}' has ${shape.openShards.length} open shard${shape.openShards.length === 1 ? '' : 's'}: there is no adjacent pair to merge.`,
		});
	}
	const rows = knownTraffic(traffic);
	const rate = new Map([...rows.values()].map((row) => [row.shardId, row.recordsPerSecond]));
	const known = pairs.filter(([a, b]) => rate.has(a.shardId) && rate.has(b.shardId));
	const candidates = known.length > 0 ? known : pairs;
	const score = ([a, b]: readonly [ShardView, ShardView]) => ({
		rate: (rate.get(a.shardId) ?? 0) + (rate.get(b.shardId) ?? 0),
		size: BigInt(b.endingHashKey) - BigInt(a.startingHashKey),
	});
	let best = candidates[0] as readonly [ShardView, ShardView];
	let bestScore = score(best);
	for (const pair of candidates.slice(1)) {
		const candidate = score(pair);
		if (candidate.rate < bestScore.rate || (candidate.rate === bestScore.rate && candidate.size < bestScore.size)) {
			best = pair;
			bestScore = candidate;
		}
	}
	const plan = planMerge(shape, best[0].shardId, best[1].shardId, traffic, known.length > 0 ? 'coldest' : 'smallest');
	if (known.length === 0 || known.length === pairs.length) return plan;
	const note = `Traffic is known for ${known.length} of the ${pairs.length} adjacent pairs: this is the coldest of those, and another pair may be colder.`;
	return {...plan, warnings: [...plan.warnings, note]};
}

/** The selected shard with its neighbour on one side (the other side when there is none there). */
export function planNeighbourMerge(shape: StreamShape, shardId: string, side: 'upper' | 'lower', traffic?: TrafficReport): MergePlan {
	const index = shape.openShards.findIndex((shard) => shard.shardId === shardId);
	const upper = index === -1 ? undefined : shape.openShards[index + 1];
	const lower = index <= 0 ? undefined : shape.openShards[index - 1];
	const other = (side === 'upper' ? (upper ?? lower) : (lower ?? upper))?.shardId ?? shardId;
	return planMerge(shape, shardId, other, traffic);
}

/** Open shards whose ranges meet, lowest first. */
function adjacentPairs(shape: StreamShape): Array<readonly [ShardView, ShardView]> {
	const pairs: Array<readonly [ShardView, ShardView]> = [];
	for (let index = 0; index + 1 < shape.openShards.length; index++) {
		const lower = shape.openShards[index] as ShardView;
		const upper = shape.openShards[index + 1] as ShardView;
		if (BigInt(lower.endingHashKey) + 1n === BigInt(upper.startingHashKey)) pairs.push([lower, upper]);
	}
	return pairs;
}

/** The account's open shard quota and use in the region (DescribeLimits); undefined when it may not be read. */
export async function accountShardLimits(
	kinesis: KinesisClient,
	signal?: AbortSignal,
): Promise<{shardLimit: number; openShardCount: number} | undefined> {
	try {
		const limits = await kinesis.send(new DescribeLimitsCommand({}), signal ? {abortSignal: signal} : {});
		if (limits.ShardLimit === undefined || limits.OpenShardCount === undefined) return undefined;
		return {shardLimit: limits.ShardLimit, openShardCount: limits.OpenShardCount};
	} catch (error) {
		if (/AccessDenied|NotAuthorized|UnknownOperation|UnrecognizedOperation/i.test((error as Error).name ?? '')) return undefined;
		throw error;
	}
}

/**
 * Plans UpdateShardCount with UNIFORM_SCALING to `target` open shards, checking AWS's limits first.
 * One function: a list of AWS's limits checked in turn, each a few lines, then the plan.
 */
export function planScale(
	shape: StreamShape,
	target: number,
	account?: {readonly shardLimit: number; readonly openShardCount: number},
): ScalePlan {
	const problems: PlanProblem[] = [...statusProblems(shape)];
	const warnings: string[] = [];
	const current = shape.openShards.length;
	const headroom = account === undefined ? undefined : Math.max(0, account.shardLimit - account.openShardCount);
	const perStream = SCALING_LIMITS.maxShardsPerStream;
	const minTarget = Math.ceil(current / 2);
	// A stream past the per-stream limit is scaled down only below it (the rules checked below).
	const withinStream = current > perStream ? perStream - 1 : Math.max(current, Math.min(current * 2, perStream));
	const limits: ScaleLimits = {
		openShards: current,
		maxTarget: Math.max(minTarget, Math.min(withinStream, headroom === undefined ? withinStream : current + headroom)),
		minTarget,
		inReach: current <= perStream || minTarget < perStream,
		maxShardsPerStream: perStream,
		...(account === undefined || headroom === undefined ? {} : {account: {...account, headroom}}),
		scalingsPerDay: SCALING_LIMITS.scalingsPerDay,
		note: `Kinesis allows ${SCALING_LIMITS.scalingsPerDay} UpdateShardCount calls per stream in a rolling 24 hours; how many are left cannot be known before asking.`,
	};
	if (!Number.isInteger(target) || target < 1)
		problems.push({kind: 'refused', message: `The target must be a whole number of shards, 1 or more, not ${target}.`});
	if (shape.mode === 'ON_DEMAND') {
		problems.push({
			kind: 'refused',
			message: `'${shape.stream}' is an ON_DEMAND stream: Kinesis sizes it by itself, and UpdateShardCount is only for PROVISIONED streams.`,
			hint: 'Switch it to PROVISIONED first (UpdateStreamMode) if you want to choose its shards.',
		});
	}
	if (target > current * 2) {
		problems.push({
			kind: 'refused',
			message: `${target} shards is more than double the ${current} open shard${current === 1 ? '' : 's'}: Kinesis scales up to at most ${current * 2} in one step.`,
			hint: stepsHint(current, target, limits.account?.headroom),
		});
	}
	if (target >= 1 && target < limits.minTarget) {
		problems.push({
			kind: 'refused',
			message: `${target} shard${target === 1 ? ' is' : 's is'} less than half the ${current} open shards: Kinesis scales down to at least ${limits.minTarget} in one step.`,
			hint: stepsHint(current, target, limits.account?.headroom),
		});
	}
	if (target > SCALING_LIMITS.maxShardsPerStream && target > current) {
		problems.push({
			kind: 'refused',
			message: `UpdateShardCount does not scale a stream up past ${formatCount(SCALING_LIMITS.maxShardsPerStream)} shards.`,
		});
	}
	if (current > SCALING_LIMITS.maxShardsPerStream && target >= SCALING_LIMITS.maxShardsPerStream) {
		problems.push({
			kind: 'refused',
			message: `A stream of more than ${formatCount(SCALING_LIMITS.maxShardsPerStream)} shards is scaled down only to fewer than ${formatCount(SCALING_LIMITS.maxShardsPerStream)}.`,
		});
	}
	if (limits.account && target - current > limits.account.headroom) {
		problems.push({
			kind: 'refused',
			message: `${target - current} more open shards would pass the account's quota: ${formatCount(limits.account.openShardCount)} of ${formatCount(limits.account.shardLimit)} are open in this region.`,
			hint: 'Ask for a higher shard quota in Service Quotas, or close shards elsewhere first.',
		});
	}
	const unchanged = target === current;
	if (unchanged)
		warnings.push(`'${shape.stream}' already has ${current} open shard${current === 1 ? '' : 's'}: there is nothing to change.`);
	if (!unchanged && target > current) {
		warnings.push(
			'Kinesis reaches the new count by splitting and merging: while it works the stream is UPDATING, still readable and writable, and the closed shards keep their records until retention passes.',
		);
	}
	const boundaries = shape.openShards.slice(1).map((shard) => BigInt(shard.startingHashKey));
	const ranges = Number.isInteger(target) && target >= 1 && target <= 100_000 ? uniformRanges(target, boundaries) : [];
	return {
		operation: 'scale',
		stream: shape.stream,
		current,
		target,
		unchanged,
		limits,
		ranges,
		openShards: {before: current, after: target},
		lastShardId: shape.lastShardId,
		problems,
		warnings,
	};
}

/**
 * The ranges of `count` shards splitting the key space evenly, as Kinesis lays them out (the last takes the
 * remainder). Given the open shards' boundaries (their starts, lowest first), a cut within 2^32 keys of one
 * falls on it: uniform scaling keeps a boundary there rather than cutting a sliver next to it, so doubling
 * splits each shard once (the engine does the same, source/engine/kinesis/model/reshard.ts).
 */
function uniformRanges(count: number, boundaries: readonly bigint[] = []): RangePreview[] {
	const step = KEY_SPACE / BigInt(count);
	const snap = 1n << 32n;
	let next = 0;
	const cuts = Array.from({length: count - 1}, (_, index) => {
		const ideal = step * BigInt(index + 1);
		while ((boundaries[next] ?? KEY_SPACE) < ideal - snap) next++;
		const near = boundaries[next];
		return near !== undefined && near <= ideal + snap ? near : ideal;
	});
	const starts = [0n, ...cuts];
	return starts.map((start, index) => preview(start, (starts[index + 1] ?? KEY_SPACE) - 1n));
}

/**
 * The counts to pass through from `current` to `target`, each one UpdateShardCount call Kinesis takes, and why they
 * stop short of the target when they must. The API reference (API_UpdateShardCount.html, TargetShardCount) says one
 * cannot "Set this value to more than double your current shard count for a stream", "below half your current shard
 * count", "to more than 10000 shards in a stream", nor "Scale a stream with more than 10000 shards down unless you set
 * this value to less than 10000 shards"; and the operation cannot "Scale up to more than the shard limit for your
 * account". `headroom` is the account's room for more open shards (DescribeLimits), when known.
 */
export function scaleSteps(current: number, target: number, headroom?: number): {steps: number[]; stop?: string} {
	const max = SCALING_LIMITS.maxShardsPerStream;
	const byAccount = headroom === undefined ? max : current + headroom;
	const ceiling = Math.min(max, byAccount);
	const steps = [current];
	let at = current;
	while (at !== target) {
		// The same page's default limits: one cannot "Scale more than ten times per rolling 24-hour period per stream".
		if (steps.length > SCALING_LIMITS.scalingsPerDay)
			return {
				steps,
				stop: `Kinesis takes ${SCALING_LIMITS.scalingsPerDay} scalings of a stream in a rolling 24 hours; the rest waits a day`,
			};
		const up = target > at;
		if (up && at >= ceiling)
			return {
				steps,
				stop:
					byAccount < max
						? `the account's shard quota allows ${formatCount(headroom ?? 0)} more open shards in the region`
						: `UpdateShardCount does not scale a stream up past ${formatCount(max)} shards`,
			};
		const next = up ? Math.min(target, at * 2, ceiling) : Math.max(target, Math.ceil(at / 2));
		if (!up && at > max && next >= max)
			return {
				steps,
				stop: `a stream of more than ${formatCount(max)} shards is scaled down only to fewer than ${formatCount(max)}, and half of ${formatCount(at)} is not`,
			};
		steps.push(next);
		at = next;
	}
	return {steps};
}

/** The hint of a target out of one step's reach: the steps that get there, or as far as Kinesis allows and why. */
function stepsHint(current: number, target: number, headroom?: number): string {
	const {steps, stop} = scaleSteps(current, target, headroom);
	const path = steps.map((count) => formatCount(count)).join(' → ');
	if (stop === undefined) return `Scale in steps: ${path}.`;
	return steps.length > 1 ? `Scale in steps: ${path}, and no further: ${stop}.` : `No step gets there: ${stop}.`;
}

function statusProblems(shape: StreamShape): PlanProblem[] {
	if (shape.status === 'ACTIVE') return [];
	return [
		{
			kind: 'in-use',
			message: `'${shape.stream}' is ${shape.status}, not ACTIVE: Kinesis changes a stream only while it is ACTIVE.`,
			hint:
				shape.status === 'UPDATING'
					? 'Another change is in progress: wait until it is done, then try again.'
					: 'Wait until the stream is ACTIVE.',
		},
	];
}

function modeWarnings(shape: StreamShape): string[] {
	return shape.mode === 'ON_DEMAND'
		? [`'${shape.stream}' is ON_DEMAND: Kinesis manages its shards by itself and may reshape them again.`]
		: [];
}

function findShard(shape: StreamShape, shardId: string, problems: PlanProblem[]): ShardView | undefined {
	const shard = shape.openShards.find((candidate) => candidate.shardId === shardId);
	if (!shard) {
		problems.push({
			kind: shardNumber(shardId) <= shardNumber(shape.lastShardId) && shardNumber(shardId) >= 0 ? 'refused' : 'not-found',
			message:
				shardNumber(shardId) <= shardNumber(shape.lastShardId) && shardNumber(shardId) >= 0
					? `${shardId} of '${shape.stream}' is closed (already split or merged, or past retention): only open shards can be split or merged.`
					: `'${shape.stream}' has no shard ${shardId}.`,
			hint: `Open shards: ${shape.openShards
				.slice(0, 12)
				.map((shard) => shard.shardId)
				.join(', ')}${shape.openShards.length > 12 ? ', ...' : ''}.`,
		});
	}
	return shard;
}

function parseHashKey(text: string, problems: PlanProblem[]): bigint | undefined {
	if (!/^(0|[1-9]\d{0,38})$/.test(text) || BigInt(text) > MAX_HASH_KEY) {
		problems.push({kind: 'refused', message: `'${text}' is not a hash key: a decimal integer from 0 to 2^128 - 1.`});
		return undefined;
	}
	return BigInt(text);
}

function preview(start: bigint, end: bigint, shardId?: string, traffic?: RangeTraffic): RangePreview {
	return {
		...(shardId === undefined ? {} : {shardId}),
		startingHashKey: start.toString(),
		endingHashKey: end.toString(),
		keySpaceShare: keySpaceShare(start, end),
		...(traffic === undefined ? {} : {traffic}),
	};
}

function missing(shardId: string): RangePreview {
	return {shardId, startingHashKey: '', endingHashKey: '', keySpaceShare: 0};
}

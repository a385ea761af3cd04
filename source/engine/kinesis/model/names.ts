/** Identifiers as AWS spells them. */
export const shardIdOf = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

/**
 * The index a shard id names, read as AWS reads it: the digits after the first hyphen, whatever precedes
 * it ("shardId-000000000001", "shardId-1", "anything-1"), or the whole id when it has none ("1"); at most
 * 2^31 - 1. Undefined when it names no index. (kinesalite's suite recorded this against AWS, e.g.
 * mhart/kinesalite test/getShardIterator.js "should work with random shard ID with hyphen".)
 */
export function shardIndexOf(shardId: string): number | undefined {
	const digits = shardId.split('-')[1] || shardId;
	if (!/^\d+$/.test(digits)) return undefined;
	const index = Number(digits);
	return index <= MAX_SHARD_INDEX ? index : undefined;
}

const MAX_SHARD_INDEX = 2_147_483_647;

export const streamArnOf = (region: string, account: string, name: string): string => `arn:aws:kinesis:${region}:${account}:stream/${name}`;

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;
export function parseStreamArn(arn: string): {region: string; account: string; name: string} | undefined {
	const match = STREAM_ARN.exec(arn);
	if (!match) return undefined;
	const [, region, account, name] = match;
	return region && account && name ? {region, account, name} : undefined;
}

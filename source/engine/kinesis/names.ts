/** Identifiers as AWS spells them. */
export const shardIdOf = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

const SHARD_ID = /^(?:shardId-)?(\d{1,20})$/;
/** The index inside a shard id, accepting AWS's lenient forms ("shardId-000000000001" or "1"); undefined when it is not one. */
export function shardIndexOf(shardId: string): number | undefined {
	const match = SHARD_ID.exec(shardId);
	if (!match?.[1]) return undefined;
	const index = Number(match[1]);
	return Number.isSafeInteger(index) ? index : undefined;
}

export const streamArnOf = (region: string, account: string, name: string): string => `arn:aws:kinesis:${region}:${account}:stream/${name}`;

const STREAM_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;
export function parseStreamArn(arn: string): {region: string; account: string; name: string} | undefined {
	const match = STREAM_ARN.exec(arn);
	if (!match) return undefined;
	const [, region, account, name] = match;
	return region && account && name ? {region, account, name} : undefined;
}

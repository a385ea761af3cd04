import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';

/**
 * Polls until `check` gives a value (anything but undefined or false) and returns it, or fails after
 * `timeoutMs` naming what was awaited and the last value seen. The one poll of the tests: conditions
 * the code under test reaches in its own time (a store's snapshot, an endpoint's count, a stream's status).
 */
export async function eventually<T>(
	check: () => T | false | undefined | Promise<T | false | undefined>,
	options: {readonly timeoutMs?: number; readonly what?: string; readonly everyMs?: number; readonly last?: () => unknown} = {},
): Promise<T> {
	const deadline = Date.now() + (options.timeoutMs ?? 5_000);
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) {
			const last = options.last ? `; last seen: ${describeValue(options.last())}` : '';
			throw new Error(`timed out waiting for ${options.what ?? 'the condition'}${last}`);
		}
		await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 25));
	}
}

/** Resolves with a value once it satisfies a check (a store's snapshot, say). */
export function until<T>(read: () => T, check: (value: T) => boolean, timeoutMs = 3_000): Promise<T> {
	return eventually(
		() => {
			const value = read();
			return check(value) ? {value} : undefined;
		},
		{timeoutMs, what: 'the condition', everyMs: 5, last: read},
	).then(({value}) => value);
}

/** Waits until a stream is ACTIVE (the engine's state changes run on timers). */
export async function waitActive(kinesis: KinesisClient, stream: string, timeoutMs = 10_000): Promise<void> {
	await eventually(
		async () =>
			(await kinesis.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
		{timeoutMs, what: `${stream} to be ACTIVE`, everyMs: 20},
	);
}

/** What a test's views and stores show for an error: its message, as a describer would give it. */
export const describeForTest = async (error: unknown): Promise<string> => (error instanceof Error ? error.message : String(error));

function describeValue(value: unknown): string {
	return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item))?.slice(0, 2_000) ?? String(value);
}

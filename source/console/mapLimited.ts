/**
 * Maps with at most `limit` calls in flight, keeping the input order. The first failure fails the whole
 * map, and no item is started after it: an aborted map of a thousand streams ends with the calls in flight.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (next < items.length && !failed) {
			const index = next++;
			try {
				results[index] = await map(items[index] as T);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, Math.min(limit, items.length))}, worker));
	return results;
}

/**
 * Loaded into the console under test (node --import) by the scale benchmark's soak: appends the
 * process's memory, as the process itself sees it, to the file BENCH_MEMORY_SAMPLES names, once at
 * start and every BENCH_MEMORY_EVERY_MS (10 s). The timer never keeps the process alive. With
 * --expose-gc (the soak gives it) each sample follows a full collection, so that the heap is what the
 * process holds, not what it has yet to collect.
 */
import {appendFileSync} from 'node:fs';

const file = process.env.BENCH_MEMORY_SAMPLES;
if (file) {
	const sample = () => {
		globalThis.gc?.();
		const {rss, heapUsed, heapTotal, external, arrayBuffers} = process.memoryUsage();
		appendFileSync(file, `${JSON.stringify({at: Date.now(), rss, heapUsed, heapTotal, external, arrayBuffers})}\n`);
	};
	sample();
	setInterval(sample, Number(process.env.BENCH_MEMORY_EVERY_MS ?? 10_000)).unref();
}

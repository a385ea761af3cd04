import {register} from 'node:module';
import {fileURLToPath} from 'node:url';
import {INK_FILES, patchedInkSource} from '../../source/ui/inkCaches.js';

/**
 * The console's Ink for a benchmark that runs the console from source: module hooks that rewrite Ink's
 * files as the build does when it bundles them (source/ui/inkCaches.ts). Register before Ink loads.
 */
export function patchInkAsBuilt(): void {
	register(import.meta.url);
}

interface LoadResult {
	readonly format?: string | null;
	readonly source?: string | ArrayBuffer | ArrayBufferView | null;
	readonly shortCircuit?: boolean;
}

const outputModule = new URL('../../source/ui/inkOutput.ts', import.meta.url).href;

/** The module hook: Node calls it, on its hooks thread, for every module it loads. */
export async function load(
	url: string,
	context: unknown,
	nextLoad: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
	const result = await nextLoad(url, context);
	if (!url.startsWith('file:') || !INK_FILES.test(url) || result.source === undefined || result.source === null) return result;
	const {source} = result;
	const text = typeof source === 'string' ? source : Buffer.from(source as ArrayBuffer).toString('utf8');
	return {...result, source: patchedInkSource(fileURLToPath(url), text, outputModule)};
}

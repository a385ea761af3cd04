import {open} from 'node:fs/promises';
import {homedir} from 'node:os';
import {resolve} from 'node:path';
import {recordJsonLines} from '../recordLine.js';
import type {SaveSelection} from './shownRecords.js';

export type SaveResult =
	| {readonly kind: 'saved'; readonly path: string; readonly records: number; readonly lines: number}
	| {readonly kind: 'exists'; readonly path: string}
	| {readonly kind: 'failed'; readonly path: string; readonly error: string};

/** A file name for saving a tail: `./<stream>[-<shard>]-<time>.jsonl` in the working directory. */
export function defaultSavePath(stream: string, shardId: string | undefined, now: Date): string {
	const name = (stream.split('/').at(-1) ?? 'stream').replace(/[^A-Za-z0-9._-]/g, '_');
	const stamp = now
		.toISOString()
		.replace(/\.\d+Z$/, 'Z')
		.replace(/:/g, '-');
	return `./${name}${shardId ? `-${shardId}` : ''}-${stamp}.jsonl`;
}

/**
 * Writes records as JSON lines, the shape of `kinesis-console tail --json`, with the decoding and
 * filter they were shown with. An existing file is left alone unless `overwrite`.
 */
export async function saveRecords(path: string, selection: SaveSelection, overwrite = false): Promise<SaveResult> {
	const target = resolve(path.startsWith('~/') ? homedir() + path.slice(1) : path);
	const {records, decoder, filters} = selection;
	let lines = 0;
	try {
		const file = await open(target, overwrite ? 'w' : 'wx');
		try {
			let chunk = '';
			for (const record of records) {
				for (const line of recordJsonLines(record, decoder, filters)) {
					chunk += `${line}\n`;
					lines++;
				}
				if (chunk.length >= 64 * 1024) {
					await file.write(chunk);
					chunk = '';
				}
			}
			if (chunk) await file.write(chunk);
		} finally {
			await file.close();
		}
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return {kind: 'exists', path: target};
		return {kind: 'failed', path: target, error: error instanceof Error ? error.message : String(error)};
	}
	return {kind: 'saved', path: target, records: records.length, lines};
}

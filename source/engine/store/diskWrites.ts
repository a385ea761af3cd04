import {closeSync, mkdirSync, openSync, readFileSync, statSync, statfsSync, unlinkSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {ServiceError} from '../protocol/errors.js';

/**
 * What the store does when the disk cannot take a write (full, over a file size limit, read-only, an I/O
 * error): the caller gets a StorageError, answered as AWS's InternalFailure (HTTP 500) with the cause
 * named; the operator gets one line on stderr when writes start failing and one when they work again;
 * and the process goes on serving, reads included. A failed LMDB commit changes nothing on disk.
 *
 * Writes are refused before LMDB tries them when the disk is nearly full: lmdb-js 3.5.6, the latest,
 * formats the report of a failed page write into a 100-byte heap buffer it overruns (mdb_page_flush,
 * "Attempting to write page at position ..."), and the process later aborts in malloc. So LMDB is kept
 * from ever reaching the end of the disk, or of a file size limit, where it can be seen coming.
 */
export class StorageError extends ServiceError {
	constructor(readonly code: string) {
		super(
			'InternalFailure',
			`The engine could not write to its data directory: ${describeCode(code)} (${code}). Retry once there is space.`,
			500,
		);
	}
}

const ERRNO_NAMES: Readonly<Record<number, string>> = {
	5: 'EIO',
	13: 'EACCES',
	27: 'EFBIG',
	28: 'ENOSPC',
	30: 'EROFS',
	122: 'EDQUOT',
	[-30792]: 'MDB_MAP_FULL',
};

function describeCode(code: string): string {
	switch (code) {
		case 'ENOSPC':
		case 'EDQUOT':
		case 'MDB_MAP_FULL':
			return 'no space is left';
		case 'EFBIG':
			return 'a file size limit is reached';
		case 'EIO':
			// A short write, which is how a full disk or a file size limit usually shows through LMDB, is EIO.
			return 'the disk is full or failing';
		case 'EROFS':
		case 'EACCES':
			return 'it is not writable';
		default:
			return 'a write failed';
	}
}

/** The errno (or LMDB) code of a failed write, as a name: lmdb-js puts it on the error, or on the promise in its commitError. */
async function codeOf(error: unknown): Promise<string> {
	let cause = error;
	const commitError = (error as {commitError?: unknown} | undefined)?.commitError;
	if (commitError instanceof Promise)
		cause = await commitError.then(
			() => error,
			(reason: unknown) => reason,
		);
	const code = (cause as {code?: unknown} | undefined)?.code;
	if (typeof code === 'number') return ERRNO_NAMES[code] ?? `errno ${code}`;
	if (typeof code === 'string') return code;
	return 'unknown';
}

/** What is kept free below the data: a sixteenth of the file system, at most 8 MiB. */
const MAX_RESERVE_BYTES = 8 * 1024 * 1024;
/** How long a reading of the free space is trusted while writes are well within it. */
const SPACE_CHECK_MS = 50;

export class DiskWrites {
	private failing = false;
	private readonly fileSizeLimit: number | undefined;
	/** The last reading: bytes free for the data file (on the disk, and under the file size limit), less what was written since. */
	private room = Number.POSITIVE_INFINITY;
	/** What runs out first: the disk (ENOSPC) or the file size limit (EFBIG). */
	private roomCode = 'ENOSPC';
	private readAtMs = Number.NEGATIVE_INFINITY;

	constructor(
		private readonly where: string,
		/** The data directory, whose disk is watched; none for tests of this class alone. */
		private readonly dir?: string,
		private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
	) {
		ignoreOrphanedCommitFailures();
		this.fileSizeLimit = dir === undefined ? undefined : fileSizeLimit();
	}

	/**
	 * Refuses, with a StorageError, a write of about this many bytes that could run the disk, or the data
	 * file's size limit, out of room: LMDB copies pages on write, so it may take twice the bytes, and some
	 * room is kept for its bookkeeping and for the lease tables.
	 */
	checkRoom(bytes: number): void {
		if (this.dir === undefined) return;
		const needed = 2 * bytes + 64 * 1024;
		const nowMs = Date.now();
		if (nowMs - this.readAtMs > SPACE_CHECK_MS || this.room < needed) this.readRoom(nowMs);
		if (this.room < needed) throw this.refused(this.roomCode);
		this.room -= needed;
	}

	private readRoom(nowMs: number): void {
		const dir = this.dir as string;
		this.readAtMs = nowMs;
		let disk: number;
		try {
			const stats = statfsSync(dir);
			disk = stats.bavail * stats.bsize - Math.min(MAX_RESERVE_BYTES, (stats.blocks * stats.bsize) / 16);
		} catch {
			// A file system that cannot say how full it is is left to fail, if it does, on its own.
			disk = Number.POSITIVE_INFINITY;
		}
		let file = Number.POSITIVE_INFINITY;
		if (this.fileSizeLimit !== undefined) {
			const size = (() => {
				try {
					return statSync(join(dir, 'data.mdb')).size;
				} catch {
					return 0;
				}
			})();
			file = this.fileSizeLimit - size - 256 * 1024;
		}
		this.room = Math.min(disk, file);
		this.roomCode = file < disk ? 'EFBIG' : 'ENOSPC';
	}

	/** Waits for every distinct commit among these lmdb-js write promises; fails with a StorageError if any failed. */
	async settle(writes: Iterable<Promise<unknown>>): Promise<void> {
		try {
			// Writes of one commit share its promise; each distinct one is awaited, so none fails unheard.
			await Promise.all(new Set(writes));
		} catch (error) {
			throw await this.failed(error);
		}
		this.succeeded();
	}

	/** Runs a synchronous write (transactionSync, putSync) of about this many bytes; fails with a StorageError if there is no room or the disk refused it. */
	sync<T>(write: () => T, bytes: number): Promise<T> {
		let result: T;
		try {
			this.checkRoom(bytes);
			result = write();
		} catch (error) {
			return this.failed(error).then((storageError) => Promise.reject(storageError));
		}
		this.succeeded();
		return Promise.resolve(result);
	}

	private async failed(error: unknown): Promise<StorageError> {
		if (error instanceof StorageError) return error;
		return this.refused(await codeOf(error));
	}

	private refused(code: string): StorageError {
		if (!this.failing) {
			this.failing = true;
			this.log(
				`kinesis-console engine: cannot write to ${this.where}: ${describeCode(code)} (${code}). ` +
					'Writes are refused with InternalFailure until there is room again; reads go on.',
			);
		}
		return new StorageError(code);
	}

	private succeeded(): void {
		if (!this.failing) return;
		this.failing = false;
		this.log(`kinesis-console engine: writing to ${this.where} again.`);
	}
}

let guarded = false;

/**
 * lmdb-js 3 rejects a promise of its own that no caller holds whenever a commit fails (the commit promise
 * of a batch's opening instruction, write.js); the failure also reaches every write that waited on that
 * commit, which the store handles. Left alone, that orphan would end the process as an unhandled rejection,
 * so it is dropped here; any other unhandled rejection still ends the process, unless someone else listens.
 */
function ignoreOrphanedCommitFailures(): void {
	if (guarded) return;
	guarded = true;
	process.on('unhandledRejection', (reason) => {
		const commitError = (reason as {commitError?: unknown} | undefined)?.commitError;
		if (reason instanceof Error && reason.message.startsWith('Commit failed') && commitError instanceof Promise) {
			commitError.catch(() => undefined);
			return;
		}
		if (process.listenerCount('unhandledRejection') === 1) throw reason;
	});
}

/**
 * mkdir -p, one folder at a time: Node's own recursive mkdir never returns for a folder under one that
 * refuses new folders with ENOENT (anything under /proc: it tries the parent, finds it there, and tries
 * again, at a full core).
 */
function makeDirectory(dir: string, again = false): void {
	try {
		mkdirSync(dir);
		return;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		// There already, or made meanwhile by another process.
		if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
		// ENOENT again, its parent being there: a folder that cannot hold new ones.
		if (code !== 'ENOENT' || again || dirname(dir) === dir) throw error;
	}
	makeDirectory(dirname(dir));
	makeDirectory(dir, true);
}

/** Room for about a thousand LMDB reader slots (LMDB's default of 126 needs 8,272 bytes). */
const LOCK_FILE_BYTES = 64 * 1024;

/**
 * LMDB creates its lock file with ftruncate, as a sparse file, and maps it into memory: on a full disk the
 * first touch of one of its pages kills the process with SIGBUS, before any error can be reported. Writing
 * a new lock file out in full first makes a full disk an ordinary error (ENOSPC), at start-up; LMDB keeps a
 * lock file that is at least as large as it needs. An existing lock file is left alone: another process may
 * be using it.
 */
export function prepareLockFile(dir: string): void {
	try {
		makeDirectory(dir);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
		// EEXIST: the path is a file; ENOTDIR: a folder on the way to it is.
		const why =
			code === 'EEXIST' || code === 'ENOTDIR'
				? 'it, or a folder on the way to it, is a file'
				: code === 'ENOENT'
					? 'no folder can be made there'
					: describeCode(code);
		throw new Error(`The engine cannot keep its data in ${dir}: ${why} (${code}).`, {cause: error});
	}
	const path = join(dir, 'lock.mdb');
	let fd: number;
	try {
		fd = openSync(path, 'wx');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
		throw error;
	}
	try {
		const zeros = Buffer.alloc(LOCK_FILE_BYTES);
		for (let written = 0; written < zeros.length;) written += writeSync(fd, zeros, written);
		closeSync(fd);
	} catch (error) {
		closeSync(fd);
		unlinkSync(path);
		const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
		throw new Error(`The engine cannot start in ${dir}: ${describeCode(code)} (${code}); it needs a little free space there.`, {
			cause: error,
		});
	}
}

/** This process's file size limit (RLIMIT_FSIZE, `ulimit -f`), where Linux tells it; undefined when unlimited or unknown. */
function fileSizeLimit(): number | undefined {
	try {
		const line = readFileSync('/proc/self/limits', 'utf8')
			.split('\n')
			.find((candidate) => candidate.startsWith('Max file size'));
		const soft = line?.slice('Max file size'.length).trim().split(/\s+/)[0];
		return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
	} catch {
		return undefined;
	}
}

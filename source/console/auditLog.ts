import {randomUUID} from 'node:crypto';
import {appendFile, mkdir, open, readFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import type {ConnectionTarget} from './connect.js';
import {ConsoleError, redact} from './failures.js';

/**
 * The local audit log: one JSON line per step of every change the console makes (reshards, retention, fan-out consumers,
 * checkpoint resets), with when, where (the connection's kind, region, profile name and endpoint, never
 * a credential), what (operation, stream, parameters, before and after) and how it ended. A change that
 * Kinesis accepts leaves two lines with the same id: `submitted`, then `completed` (or `unconfirmed`
 * when the console stopped following it before the stream was ACTIVE again); a change Kinesis refuses
 * leaves one `failed` line.
 */

/** The environment variable that names the audit log file, for tests and for people who keep it elsewhere. */
export const AUDIT_LOG_ENV = 'KINESIS_CONSOLE_AUDIT_LOG';

/** Where a change was made: the connection, without credentials (ConnectionTarget holds none). */
export interface AuditTarget {
	readonly kind: ConnectionTarget['kind'];
	readonly region: string;
	readonly profile?: string;
	readonly endpoint?: string;
}

export type AuditOutcome = 'submitted' | 'completed' | 'failed' | 'unconfirmed';

export interface AuditEntry {
	/** ISO 8601, when the line was written. */
	readonly time: string;
	/** One id per change: its lines share it. */
	readonly id: string;
	/** 'split', 'merge', 'scale', 'retention', 'checkpoint-reset', 'consumer-register', 'consumer-deregister'. */
	readonly operation: string;
	readonly stream: string;
	readonly target: AuditTarget;
	readonly parameters: Readonly<Record<string, unknown>>;
	readonly before?: unknown;
	readonly after?: unknown;
	readonly outcome: AuditOutcome;
	/** Why it failed, as the console said it (credentials removed). */
	readonly error?: string;
	/** From submitting to the stream being ACTIVE again (completed), or to when following stopped. */
	readonly elapsedMs?: number;
}

/** The audit log's path: $KINESIS_CONSOLE_AUDIT_LOG, else $XDG_STATE_HOME/kinesis-console/audit.jsonl, else ~/.local/state/kinesis-console/audit.jsonl. */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
	const explicit = env[AUDIT_LOG_ENV]?.trim();
	if (explicit) return explicit;
	const state = env.XDG_STATE_HOME?.trim();
	// The XDG spec says a relative XDG_STATE_HOME is invalid and is to be ignored.
	const base = state && state.startsWith('/') ? state : join(env.HOME?.trim() || homedir(), '.local', 'state');
	return join(base, 'kinesis-console', 'audit.jsonl');
}

/** The target as the audit log records it: kind, region, profile name and endpoint only. */
export function auditTarget(target: ConnectionTarget): AuditTarget {
	return {
		kind: target.kind,
		region: target.region,
		...(target.profile === undefined ? {} : {profile: target.profile}),
		...(target.endpoint === undefined ? {} : {endpoint: target.endpoint}),
	};
}

export class AuditLog {
	constructor(readonly path: string = auditLogPath()) {}

	/** A new change's id. */
	static newId(): string {
		return randomUUID();
	}

	/**
	 * Makes sure a line can be appended, before anything is changed: a change the log cannot record is not
	 * made. Creates the directory (0700) and the file (0600) when missing.
	 */
	async check(): Promise<void> {
		try {
			await mkdir(dirname(this.path), {recursive: true, mode: 0o700});
			const handle = await open(this.path, 'a', 0o600);
			await handle.close();
		} catch (error) {
			throw new AuditLogError(this.path, error);
		}
	}

	/** Appends one line (the time is now unless given). Credentials that might have slipped into a message are removed. */
	async append(entry: Omit<AuditEntry, 'time'> & {readonly time?: string}): Promise<AuditEntry> {
		const full: AuditEntry = {time: entry.time ?? new Date().toISOString(), ...withoutTime(entry)};
		const line = `${redact(JSON.stringify(full), environmentSecrets())}\n`;
		try {
			await mkdir(dirname(this.path), {recursive: true, mode: 0o700});
			// One write with O_APPEND: lines from concurrent consoles do not interleave.
			await appendFile(this.path, line, {mode: 0o600});
		} catch (error) {
			throw new AuditLogError(this.path, error);
		}
		return full;
	}

	/** Every entry, oldest first; lines that are not JSON are skipped. An absent log has none. */
	async read(): Promise<AuditEntry[]> {
		let text: string;
		try {
			text = await readFile(this.path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
			throw error;
		}
		const entries: AuditEntry[] = [];
		for (const line of text.split('\n')) {
			if (line.trim() === '') continue;
			try {
				entries.push(JSON.parse(line) as AuditEntry);
			} catch {
				// A line cut short by a crash: the others still count.
			}
		}
		return entries;
	}
}

/** The audit log could not be written: the change is not made (a configuration failure, exit code 3). */
export class AuditLogError extends ConsoleError {
	constructor(
		readonly path: string,
		cause: unknown,
	) {
		const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? (cause instanceof Error ? cause.message : String(cause));
		super({
			kind: 'configuration',
			message: `Cannot write the audit log ${path} (${reason}).`,
			hint: `Changes are made only when they can be recorded: set ${AUDIT_LOG_ENV} to a writable file, or fix the directory's permissions.`,
		});
		this.name = 'AuditLogError';
	}
}

function withoutTime<T extends {readonly time?: string}>(entry: T): Omit<T, 'time'> {
	const {time: _time, ...rest} = entry;
	return rest;
}

const SECRET_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_BEARER_TOKEN_KINESIS'];

function environmentSecrets(): string[] {
	return SECRET_ENV.map((name) => process.env[name]).filter((value): value is string => Boolean(value));
}

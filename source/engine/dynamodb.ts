import {EventEmitter} from 'node:events';
import {mkdirSync} from 'node:fs';
import type {IncomingHttpHeaders, Server} from 'node:http';
import {createRequire} from 'node:module';
import type {WireRequest, WireResponse} from './protocol/dispatch.js';

/**
 * The DynamoDB API (`X-Amz-Target: DynamoDB_20120810.*`, JSON 1.0) for KCL lease tables and other small
 * tables, served by dynalite, a DynamoDB implementation on LevelDB, embedded behind the engine's port.
 *
 * dynalite only exports a factory for its own HTTP server. The engine never lets it listen: it takes
 * that server's request listener and calls it with a request and a response of its own making, fed
 * from the body the engine's server has already read (within its size limit). So the one port serves
 * DynamoDB over HTTP/1.1 and HTTP/2 alike, behind the same front end as the other services, and
 * dynalite never sees a socket. (Called directly with Node's HTTP/2 compatibility objects it answers
 * ordinary requests, but its 413 path sets Transfer-Encoding, which HTTP/2 refuses.)
 */
export interface DynamoOptions {
	/** A directory for the tables (created when missing); in memory when absent. */
	readonly path?: string;
	/** How long CreateTable leaves a table CREATING, DeleteTable DELETING, UpdateTable UPDATING. */
	readonly createTableMs?: number;
	readonly deleteTableMs?: number;
	readonly updateTableMs?: number;
}

export interface EmbeddedDynamo {
	/** Answers one request, as dynalite would over HTTP. */
	handle(request: WireRequest): Promise<WireResponse>;
	/** Waits for the operations under way, then closes the tables. */
	close(): Promise<void>;
}

interface DynaliteStore {
	readonly db: {open(): Promise<void>};
	readonly lifecycleManager: {gracefulClose(): Promise<void>};
}

type Listener = (request: StandInRequest, response: CapturedResponse) => void;

const requireCommonJs = createRequire(import.meta.url);

export async function startDynamo(options: DynamoOptions = {}): Promise<EmbeddedDynamo> {
	const dynalite = requireCommonJs('dynalite') as (options: object) => Server;
	// dynalite keeps its store to itself; catching it as it is made is the only way to close it.
	const dbModule = requireCommonJs('dynalite/db/index.js') as {create: (options: object) => DynaliteStore};
	const create = dbModule.create;
	let store: DynaliteStore | undefined;
	dbModule.create = (storeOptions) => (store = create(storeOptions));
	if (options.path !== undefined) mkdirSync(options.path, {recursive: true});
	let server: Server;
	try {
		server = dynalite({
			...(options.path === undefined ? {} : {path: options.path}),
			createTableMs: options.createTableMs ?? 0,
			deleteTableMs: options.deleteTableMs ?? 0,
			updateTableMs: options.updateTableMs ?? 0,
		});
	} finally {
		dbModule.create = create;
	}
	const [listener] = server.listeners('request') as Listener[];
	if (!store || !listener) throw new Error('dynalite did not create its store and request listener as expected');
	const opened = store;
	// Opening now makes a data directory that is locked or unreadable fail the engine's start, not a request.
	try {
		await opened.db.open();
	} catch (error) {
		const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
		// LevelDB writes a new log and manifest whenever it opens, so a full disk stops it here.
		const hint = /no space left|file too large/i.test(cause)
			? 'the disk is full: free some space and start again'
			: 'is another engine using this data directory?';
		throw new Error(`The lease tables in ${options.path ?? 'memory'} could not be opened (${hint}): ${cause}`, {cause: error});
	}

	return {
		handle: (request) =>
			new Promise<WireResponse>((resolve, reject) => {
				const incoming = new StandInRequest(request.method, request.headers);
				try {
					listener(incoming, new CapturedResponse(resolve));
					if (request.body.length > 0) incoming.emit('data', request.body);
					incoming.emit('end');
				} catch (error) {
					reject(error instanceof Error ? error : new Error(String(error)));
				}
			}),
		close: () => opened.lifecycleManager.gracefulClose(),
	};
}

/** What dynalite reads of a request: method, URL, headers, and the body as data then end events. */
class StandInRequest extends EventEmitter {
	readonly url = '/';

	constructor(
		readonly method: string,
		readonly headers: IncomingHttpHeaders,
	) {
		super();
	}
}

/** What dynalite writes to a response, kept for the engine's server to send. */
class CapturedResponse {
	statusCode = 200;
	/** dynalite notes the content type to answer with here. */
	contentType: string | undefined;
	private readonly headers: Record<string, string> = {};

	constructor(private readonly done: (response: WireResponse) => void) {}

	setHeader(name: string, value: string | number): void {
		this.headers[name.toLowerCase()] = String(value);
	}

	end(body?: string | Buffer): void {
		// The engine's server sets the length and the framing itself.
		delete this.headers['content-length'];
		delete this.headers['transfer-encoding'];
		this.done({status: this.statusCode, headers: this.headers, body: body ?? ''});
	}
}

import {readFileSync} from 'node:fs';
import Module, {createRequire} from 'node:module';
import {join, sep} from 'node:path';
import {createEngine, type Engine, type EngineOptions} from '../../source/engine/index.js';

/**
 * What kinesalite's test files require, resolved for a run against the engine:
 *   - `..` (kinesalite itself, which test/helpers.js starts on a port): a stand-in that starts the engine there;
 *   - `should`: nothing more than should.ts has installed;
 *   - `aws4`: a signer that gives each request a well-formed SigV4 Authorization header (the engine, like
 *     kinesalite, is run without credentials to check them against, so the signature itself is not checked);
 *   - anything else the checkout's own node_modules lack (async, once, bignumber.js, cbor, and kinesalite's
 *     own dependencies for its db module): from this repository's node_modules, where kinesalite is a dev dependency.
 */
export function installShims(checkout: string, engineOptions: EngineOptions): void {
	const kinesaliteMain = join(checkout, 'index.js');
	const fromRepo = createRequire(import.meta.url);
	const shims: Record<string, unknown> = {
		[kinesaliteMain]: engineAsKinesalite(checkout, engineOptions),
		'conformance-shim:aws4': {sign},
		// should.js is installed as a side effect (installShould), as the suite's `--require should` does.
		'conformance-shim:should': {},
	};
	for (const [filename, exports] of Object.entries(shims)) {
		const module = new Module(filename);
		module.exports = exports;
		module.loaded = true;
		require.cache[filename] = module;
	}
	// Module._resolveFilename is Node's internal resolver, the one hook CommonJS offers (no types: it is not public API).
	const internals = Module as unknown as {_resolveFilename: (request: string, parent: Module | undefined, ...rest: unknown[]) => string};
	const resolve = internals._resolveFilename;
	internals._resolveFilename = function (request, parent, ...rest) {
		if (!parent?.filename?.startsWith(checkout + sep)) return resolve.call(this, request, parent, ...rest);
		if (request === 'aws4' || request === 'should') return `conformance-shim:${request}`;
		try {
			return resolve.call(this, request, parent, ...rest);
		} catch (error) {
			if (request.startsWith('.') || request.startsWith('/')) throw error;
			return fromRepo.resolve(request);
		}
	};
}

// CommonJS's module cache, which `require` of a test file consults; the same object for every require.
const require = createRequire(import.meta.url);

/** kinesalite's factory, `kinesalite(options).listen(port, callback)` and `.close(callback)`, serving the engine instead. */
function engineAsKinesalite(checkout: string, engineOptions: EngineOptions) {
	return (options: {ssl?: boolean} = {}) => {
		let engine: Engine | undefined;
		// kinesalite's own test certificate, from the checkout, for the one case that connects over TLS.
		const tls = options.ssl
			? {cert: readFileSync(join(checkout, 'ssl', 'server-crt.pem')), key: readFileSync(join(checkout, 'ssl', 'server-key.pem'))}
			: undefined;
		return {
			listen(port: number, callback: (error?: Error) => void) {
				createEngine({...engineOptions, port, ...(tls ? {tls} : {})}).then((started) => {
					engine = started;
					callback();
				}, callback);
			},
			close(callback: (error?: Error) => void) {
				if (!engine) return callback();
				engine.close().then(() => callback(), callback);
			},
		};
	};
}

interface SignOptions {
	host?: string;
	port?: number;
	path?: string;
	headers?: Record<string, string>;
}

/** aws4.sign's effect on a request's headers: Host, X-Amz-Date and an Authorization header (with a placeholder signature). */
function sign(options: SignOptions): SignOptions {
	const headers = (options.headers ??= {});
	const date = new Date()
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');
	const region = process.env.AWS_REGION ?? 'us-east-1';
	headers.Host ??= `${options.host ?? 'localhost'}${options.port ? `:${options.port}` : ''}`;
	headers['X-Amz-Date'] = date;
	const signed = Object.keys(headers)
		.map((name) => name.toLowerCase())
		.sort()
		.join(';');
	headers.Authorization = `AWS4-HMAC-SHA256 Credential=AKIDCONFORMANCE/${date.slice(0, 8)}/${region}/kinesis/aws4_request, SignedHeaders=${signed}, Signature=${'0'.repeat(64)}`;
	return options;
}

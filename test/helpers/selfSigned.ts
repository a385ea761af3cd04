import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** Whether the openssl binary is there to make certificates with (node:crypto cannot issue X.509 certificates). */
export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export interface SelfSigned {
	readonly cert: Buffer;
	readonly key: Buffer;
	/** The same, as files (for the engine's --tls-cert and --tls-key). */
	readonly certFile: string;
	readonly keyFile: string;
	/** Removes the files. */
	readonly remove: () => void;
}

/** A self-signed certificate for localhost and 127.0.0.1, valid a day, made with openssl; empty without it. */
export function selfSigned(prefix: string): SelfSigned {
	const directory = mkdtempSync(join(tmpdir(), prefix));
	const certFile = join(directory, 'cert.pem');
	const keyFile = join(directory, 'key.pem');
	const remove = () => rmSync(directory, {recursive: true, force: true});
	if (!hasOpenssl) return {cert: Buffer.alloc(0), key: Buffer.alloc(0), certFile, keyFile, remove};
	execFileSync(
		'openssl',
		[
			'req',
			'-x509',
			'-newkey',
			'ec',
			'-pkeyopt',
			'ec_paramgen_curve:prime256v1',
			'-nodes',
			'-days',
			'1',
			'-subj',
			'/CN=localhost',
			'-addext',
			'subjectAltName=IP:127.0.0.1,DNS:localhost',
			'-keyout',
			keyFile,
			'-out',
			certFile,
		],
		{stdio: 'ignore'},
	);
	return {cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile, remove};
}

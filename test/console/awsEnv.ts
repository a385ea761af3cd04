import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, expect} from 'vitest';
import type {ConsoleFailure} from '../../source/console/failures.js';

/** Credentials the tests hand out: none of them may ever show in a failure. */
export const SECRETS = {
	envKeyId: 'AKIAENVTESTKEY000001',
	envSecret: 'env-secret-Zq8v/Lm3+Rt7Wx2Yp5Nk',
	envSessionToken: 'env-session-token-FwoGZXIvYXdzEJrTestToken9',
	profileKeyId: 'AKIAPROFILETESTKEY01',
	profileSecret: 'profile-secret-Hb4n/Jc9+Ks1Qd6Vf0Tg',
} as const;

export interface AwsFiles {
	readonly dir: string;
	readonly config: string;
	readonly credentials: string;
	/** Replaces the shared files' text; use before anything reads them (the SDK caches files by path). */
	write(files: {config?: string; credentials?: string}): void;
}

/**
 * Gives each test an environment with no AWS_* variables, its own empty config and credentials files, and no instance
 * metadata, so nothing on the machine running the tests can supply credentials, a region or an endpoint.
 */
export function isolateAwsEnvironment(): {readonly files: AwsFiles} {
	const saved = {...process.env};
	let current: AwsFiles | undefined;
	beforeEach(() => {
		for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
		const dir = mkdtempSync(join(tmpdir(), 'console-aws-'));
		const config = join(dir, 'config');
		const credentials = join(dir, 'credentials');
		writeFileSync(config, '');
		writeFileSync(credentials, '');
		process.env.AWS_CONFIG_FILE = config;
		process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
		process.env.AWS_EC2_METADATA_DISABLED = 'true';
		current = {
			dir,
			config,
			credentials,
			write(files) {
				if (files.config !== undefined) writeFileSync(config, files.config);
				if (files.credentials !== undefined) writeFileSync(credentials, files.credentials);
			},
		};
	});
	afterEach(() => {
		for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
		Object.assign(process.env, saved);
		if (current) rmSync(current.dir, {recursive: true, force: true});
		current = undefined;
	});
	return {
		get files(): AwsFiles {
			if (!current) throw new Error('only inside a test');
			return current;
		},
	};
}

/** Static test credentials in the environment, as a user of an emulator sets them. */
export function useEnvCredentials(): void {
	process.env.AWS_ACCESS_KEY_ID = SECRETS.envKeyId;
	process.env.AWS_SECRET_ACCESS_KEY = SECRETS.envSecret;
}

/** No test secret, whole or as its distinctive part, anywhere in the failure. */
export function expectNoSecrets(failure: ConsoleFailure): void {
	const text = JSON.stringify(failure);
	for (const secret of Object.values(SECRETS)) {
		expect(text).not.toContain(secret);
		expect(text).not.toContain(secret.slice(-12));
	}
}

/** A 127.0.0.1 port that nothing listens on. */
export async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

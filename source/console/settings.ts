import {homedir} from 'node:os';
import {join} from 'node:path';
import {loadSharedConfigFiles} from '@smithy/core/config';

/** The services the console talks to, by the names the SDK's endpoint settings use. */
export type ServiceName = 'kinesis' | 'cloudwatch' | 'dynamodb' | 'lambda' | 'firehose' | 'flink';

const SERVICE_KEYS: Readonly<Record<ServiceName, {env: string; config: string}>> = {
	kinesis: {env: 'KINESIS', config: 'kinesis'},
	cloudwatch: {env: 'CLOUDWATCH', config: 'cloudwatch'},
	dynamodb: {env: 'DYNAMODB', config: 'dynamodb'},
	lambda: {env: 'LAMBDA', config: 'lambda'},
	firehose: {env: 'FIREHOSE', config: 'firehose'},
	// Managed Service for Apache Flink's SDK service id is "Kinesis Analytics V2".
	flink: {env: 'KINESIS_ANALYTICS_V2', config: 'kinesis_analytics_v2'},
};

type Section = Readonly<Record<string, string | undefined>>;

/** What the shared config files say for one profile, read with the SDK's own parser. */
export interface ProfileSettings {
	readonly profileName: string;
	readonly region?: string;
	/** The profile's `[profile X]` settings, credentials file first, config file over it. */
	readonly profile: Section;
	/** Every section of the config file, for `services` sections. */
	readonly configFile: Readonly<Record<string, Section>>;
}

/** A mistake in the shared config files, with what to do about it. */
export class SettingsError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'SettingsError';
	}
}

/** The shared files' paths, as the SDK and the CLI find them. */
export function sharedFilePaths(): {config: string; credentials: string} {
	const expand = (path: string) => (path.startsWith('~/') ? join(homedir(), path.slice(2)) : path);
	return {
		config: expand(process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config')),
		credentials: expand(process.env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials')),
	};
}

export async function profileExists(name: string): Promise<boolean> {
	const {configFile, credentialsFile} = await loadSharedConfigFiles();
	return configFile[name] !== undefined || credentialsFile[name] !== undefined;
}

export async function loadProfileSettings(chosen: string | undefined): Promise<ProfileSettings> {
	const profileName = chosen ?? 'default';
	const {configFile, credentialsFile} = await loadSharedConfigFiles();
	const fromConfig: Section = configFile[profileName] ?? {};
	const fromCredentials: Section = credentialsFile[profileName] ?? {};
	// The SDK reads `region` from the credentials file first, everything else from the config file first.
	const region = nonEmpty(fromCredentials.region) ?? nonEmpty(fromConfig.region);
	return {
		profileName,
		...(region === undefined ? {} : {region}),
		profile: {...fromCredentials, ...fromConfig},
		configFile,
	};
}

/** The environment variable that sets a service's endpoint alone (AWS_ENDPOINT_URL_LAMBDA). */
export const endpointVariable = (service: ServiceName): string => `AWS_ENDPOINT_URL_${SERVICE_KEYS[service].env}`;

/**
 * A service's configured endpoint, in the SDK's order: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 * the profile's `services` section, the profile's `endpoint_url`; none when configured endpoints are ignored.
 * (The clients do this themselves, but only for the default profile or AWS_PROFILE, never for `--profile`.)
 */
export function resolveEndpoint(service: ServiceName, settings: ProfileSettings): string | undefined {
	if (ignoreConfiguredEndpoints(settings)) return undefined;
	const keys = SERVICE_KEYS[service];
	const fromEnv = nonEmpty(process.env[endpointVariable(service)]) ?? nonEmpty(process.env.AWS_ENDPOINT_URL);
	if (fromEnv !== undefined) return fromEnv;
	const servicesName = nonEmpty(settings.profile.services);
	if (servicesName !== undefined) {
		const section = settings.configFile[`services.${servicesName}`];
		if (section === undefined) {
			throw new SettingsError(
				`The profile '${settings.profileName}' names the services section '${servicesName}', which is not in ${sharedFilePaths().config}.`,
				`Add a [services ${servicesName}] section, or remove the profile's services setting.`,
			);
		}
		const fromServices = nonEmpty(section[`${keys.config}.endpoint_url`]);
		if (fromServices !== undefined) return fromServices;
	}
	return nonEmpty(settings.profile.endpoint_url);
}

function ignoreConfiguredEndpoints(settings: ProfileSettings): boolean {
	const fromEnv = nonEmpty(process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
	if (fromEnv !== undefined) return fromEnv.toLowerCase() === 'true';
	return nonEmpty(settings.profile.ignore_configured_endpoint_urls)?.toLowerCase() === 'true';
}

/** An endpoint as it may be shown: without user info or a trailing slash. */
export function describeEndpoint(url: string): string {
	// Whatever stands before an @ may be user info (a slash in a password even makes it look like a host and a path).
	const withoutUserInfo = (text: string) => text.replace(/^([^:/]*:\/\/).*@/, '$1');
	try {
		const parsed = new URL(url);
		parsed.username = '';
		parsed.password = '';
		return withoutUserInfo(parsed.href.replace(/\/$/, ''));
	} catch {
		return withoutUserInfo(url);
	}
}

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

#!/usr/bin/env node
// The SDK warns on every run that its 2027 releases will need Node 22; this release runs on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import meow from 'meow';
import {UsageError, type Command} from './commands/command.js';
import {asksForHelp, consoleArguments, leadingFlags, parseQuotaShare, parseShardLimit} from './commands/parseArgs.js';
import {sanitizeForTerminal} from './console/records/terminalText.js';

const commands: readonly Command[] = [
	{
		name: 'streams',
		summary: 'List streams with status, mode, shards, retention, consumers and encryption',
		load: async () => (await import('./commands/streams.js')).run,
	},
	{
		name: 'describe',
		summary: 'Show the shards of a stream: state, parents, hash key and sequence ranges',
		load: async () => (await import('./commands/describe.js')).run,
	},
	{
		name: 'tail',
		summary: 'Print records as they arrive, decoded and filtered, from any starting position',
		load: async () => (await import('./commands/tail.js')).run,
	},
	{
		name: 'put',
		summary: 'Write records from arguments, a file or stdin, batched, retried, in order per partition key',
		load: async () => (await import('./commands/put.js')).run,
	},
	{
		name: 'find-shard',
		summary: "Show a partition key's hash key and the shard that takes its records",
		load: async () => (await import('./commands/findShard.js')).run,
	},
	{
		name: 'split',
		summary: 'Split a shard at its midpoint, at a hash key, or at the median hash key of its traffic',
		load: async () => (await import('./commands/split.js')).run,
	},
	{
		name: 'merge',
		summary: 'Merge two adjacent shards, or the coldest adjacent pair of the stream',
		load: async () => (await import('./commands/merge.js')).run,
	},
	{
		name: 'scale',
		summary: "Scale a stream uniformly to N shards, with Kinesis's limits shown first",
		load: async () => (await import('./commands/scale.js')).run,
	},
	{
		name: 'retention',
		summary: 'Show retention and the oldest records, or change it; a decrease first counts what it loses',
		load: async () => (await import('./commands/retention.js')).run,
	},
	{
		name: 'consumers',
		summary:
			"List a stream's consumers: KCL applications (by their lease tables) and enhanced fan-out consumers (consumers register, consumers deregister)",
		load: async () => (await import('./commands/consumers.js')).run,
	},
	{
		name: 'checkpoints',
		summary: "Show a KCL application's checkpoints and lag per shard, or reset them (checkpoints reset)",
		load: async () => (await import('./commands/checkpoints.js')).run,
	},
	{
		name: 'engine',
		summary: 'Run the built-in Kinesis-compatible engine for the AWS SDKs, the AWS CLI and other clients',
		load: async () => (await import('./commands/engine.js')).run,
	},
];
const width = Math.max(...commands.map((command) => command.name.length));

const consoleFlags = {
	local: {type: 'boolean', default: false},
	demo: {type: 'boolean', default: false},
	readOnly: {type: 'boolean', default: false},
	profile: {type: 'string'},
	region: {type: 'string'},
	endpointUrl: {type: 'string'},
	dataDir: {type: 'string'},
	shardLimit: {type: 'string'},
	quotaShare: {type: 'string'},
} as const;

// The console's own flags come before any command; meow keeps the rest for the command's parser.
const consoleArgv = process.argv.slice(2);
const checkedArgv = consoleArguments(consoleArgv, consoleFlags);
if ('problem' in checkedArgv) {
	process.stderr.write(`kinesis-console: ${checkedArgv.problem}\nRun kinesis-console --help for usage.\n`);
	process.exit(2);
}

const cli = meow(
	`
  Usage
    $ kinesis-console [options]              the terminal console
    $ kinesis-console <command> [options]    a scriptable command

  Console options
    --local                Start the built-in engine in this process (no AWS account needed)
    --demo                 With --local: create demo streams and write realistic traffic into them,
                           and run a consumer of every kind (KCL 2.x and 3.x, Lambda, Firehose, fan-out)
    --read-only            Hide every action that changes a stream
    --profile <name>       AWS profile (default: AWS_PROFILE, then the default profile)
    --region <region>      AWS region (default: AWS_REGION, then the profile's)
    --endpoint-url <url>   Another Kinesis endpoint: LocalStack, kinesalite, a running engine
    --data-dir <dir>       With --local: keep the engine's data here
    --shard-limit <n>      With --local: open shards allowed per account in each region (default AWS's)
    --quota-share <f>      The share of each of AWS's API quotas the console uses (default 0.25; the rest is production's)

  Commands
${commands.map((command) => `    ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

  Run kinesis-console <command> --help for a command's options.

  Examples
    $ kinesis-console --local --demo
    $ kinesis-console --profile prod --region eu-west-1
    $ kinesis-console tail clickstream --from 15m --json | jq .data
`,
	{
		importMeta: import.meta,
		argv: checkedArgv.argv,
		commands: commands.map((command) => command.name),
		flags: consoleFlags,
	},
);

const command = commands.find((candidate) => candidate.name === cli.command);
// With other flags meow starts the console rather than show the help (`--local --help`).
if (!command && asksForHelp(consoleArgv)) cli.showHelp(0);
if (!command) {
	const shardLimit = localShardLimit();
	const quotaShare = flagValue(() => parseQuotaShare(cli.flags.quotaShare));
	if (cli.flags.demo && !cli.flags.local && cli.flags.endpointUrl === undefined) {
		process.stderr.write(
			'kinesis-console: --demo writes traffic into demo streams: use it with --local or --endpoint-url, never against AWS.\n',
		);
		process.exitCode = 2;
	} else if (shardLimit instanceof Error || quotaShare instanceof Error) {
		const problem = shardLimit instanceof Error ? shardLimit : (quotaShare as Error);
		process.stderr.write(`kinesis-console: ${problem.message}\nRun kinesis-console --help for usage.\n`);
		process.exitCode = 2;
	} else {
		// Before React loads: its production build (the development one keeps a performance entry per render, without bound).
		process.env.NODE_ENV ??= 'production';
		const {runConsole} = await import('./ui/run.js');
		process.exitCode = await runConsole({...cli.flags, shardLimit, quotaShare});
	}
} else {
	try {
		const run = await command.load();
		// The console's flags written before the command's name are the command's too (they were dropped: `--endpoint-url URL streams` went to AWS).
		process.exitCode = await run([...cli.input, ...leadingFlags(consoleArgv, consoleFlags)]);
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(
				`kinesis-console ${command.name}: ${sanitizeForTerminal(error.message)}\nRun kinesis-console ${command.name} --help for usage.\n`,
			);
			process.exitCode = 2;
		} else {
			process.stderr.write(
				`kinesis-console ${command.name}: ${sanitizeForTerminal(error instanceof Error ? error.message : String(error))}\n`,
			);
			process.exitCode = 1;
		}
	}
}

/** A flag's parsed value, or the usage error it makes. */
function flagValue<T>(parse: () => T): T | Error {
	try {
		return parse();
	} catch (error) {
		return error as UsageError;
	}
}

/** --shard-limit for the built-in engine: only with --local (AWS's quota is not the console's to set), checked as `engine` checks it. */
function localShardLimit(): number | undefined | Error {
	if (cli.flags.shardLimit === undefined) return undefined;
	if (!cli.flags.local) return new Error("--shard-limit sets the built-in engine's shard quota: use it with --local.");
	return flagValue(() => parseShardLimit(cli.flags.shardLimit));
}

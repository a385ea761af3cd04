#!/usr/bin/env node
// The SDK warns on every run that its 2027 releases will need Node 22; this release runs on Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import meow from 'meow';
import {UsageError, type Command} from './commands/command.js';

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
		name: 'engine',
		summary: 'Run the built-in Kinesis-compatible engine for the AWS SDKs, the AWS CLI and other clients',
		load: async () => (await import('./commands/engine.js')).run,
	},
];
const width = Math.max(...commands.map((command) => command.name.length));

const cli = meow(
	`
  Usage
    $ kinesis-console <command> [options]

  Commands
${commands.map((command) => `    ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

  Run kinesis-console <command> --help for a command's options.
`,
	{importMeta: import.meta, commands: commands.map((command) => command.name)},
);

const command = commands.find((candidate) => candidate.name === cli.command);
if (!command) cli.showHelp(0);
else {
	try {
		const run = await command.load();
		process.exitCode = await run(cli.input);
	} catch (error) {
		if (error instanceof UsageError) {
			process.stderr.write(`kinesis-console ${command.name}: ${error.message}\nRun kinesis-console ${command.name} --help for usage.\n`);
			process.exitCode = 2;
		} else {
			process.stderr.write(`kinesis-console ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = 1;
		}
	}
}

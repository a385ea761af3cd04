#!/usr/bin/env node
import meow from 'meow';
import {UsageError, type Command} from './commands/command.js';
import {engineCommand} from './commands/engine.js';

const commands: readonly Command[] = [engineCommand];
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
		process.exitCode = await command.run(cli.input);
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

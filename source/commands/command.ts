/** A scriptable subcommand: its name, one line for `kinesis-console --help`, and how it runs. */
export interface Command {
	readonly name: string;
	readonly summary: string;
	/** Runs with the arguments after the command name; resolves to the exit code. */
	readonly run: (argv: string[]) => Promise<number>;
}

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

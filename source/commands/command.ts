/**
 * A subcommand as the top-level help lists it. Its module is loaded only when it runs, so that
 * `--help` and light commands do not pay for the AWS SDK, the engine or the terminal UI.
 */
export interface Command {
	readonly name: string;
	readonly summary: string;
	/** Loads the command; the function runs it with the arguments after its name and resolves to the exit code. */
	readonly load: () => Promise<(argv: string[]) => Promise<number>>;
}

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

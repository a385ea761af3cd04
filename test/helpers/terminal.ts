import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {cliEnv} from './cli.js';
import {cliPath} from './engineProcess.js';

const run = promisify(execFile);

/**
 * The built CLI in a real terminal: a detached tmux session of a fixed size, on a tmux server of its
 * own (its socket in a temporary directory, no user configuration). Keys go in with `send-keys`, the
 * screen comes out with `capture-pane`. The program runs in a clean environment: fake AWS credentials
 * and no AWS config.
 */
export interface TerminalOptions {
	readonly columns?: number;
	readonly rows?: number;
	/** Extra environment variables, e.g. NO_COLOR. */
	readonly env?: Record<string, string>;
	/** The working directory (files the program saves land here). */
	readonly cwd?: string;
	/**
	 * A file to record every byte the program writes to the terminal, before tmux interprets any of it
	 * (the program runs under util-linux `script`, which copies its output there), for tests of what the
	 * program sends rather than what the screen shows.
	 */
	readonly record?: string;
	/** Another build's cli.js instead of dist/cli.js (the scale benchmark's before). */
	readonly cliPath?: string;
	/** Node's own options before the script (the scale benchmark's --cpu-prof). */
	readonly nodeArgs?: readonly string[];
}

/** Key names as the console's keymap spells them, in tmux's words. */
const TMUX_KEYS: Record<string, string> = {
	enter: 'Enter',
	escape: 'Escape',
	up: 'Up',
	down: 'Down',
	left: 'Left',
	right: 'Right',
	tab: 'Tab',
	pageup: 'PPage',
	pagedown: 'NPage',
	home: 'Home',
	end: 'End',
	space: 'Space',
	backspace: 'BSpace',
	'ctrl-c': 'C-c',
};

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

export class Terminal {
	private constructor(
		private readonly socket: string,
		readonly target: string,
		private readonly dir: string,
	) {}

	/** Starts `node dist/cli.js ...args` in a new terminal; the pane stays open after it exits. */
	static async start(args: readonly string[], options: TerminalOptions = {}): Promise<Terminal> {
		const dir = await mkdtemp(join(tmpdir(), 'kc-e2e-'));
		// The server's socket lives in the session's directory, removed with it.
		const socket = join(dir, 'tmux.sock');
		const target = 'console';
		const env = {...cliEnv(options.env), TERM: 'xterm-256color', LANG: 'C.UTF-8'};
		// env -i: nothing from the test's environment (FORCE_COLOR, CI, TMUX, AWS_*) reaches the program.
		const command = [
			'env',
			'-i',
			...Object.entries(env).map(([name, value]) => `${name}=${value ?? ''}`),
			process.execPath,
			...(options.nodeArgs ?? []),
			options.cliPath ?? cliPath,
			...args,
		]
			.map(quote)
			.join(' ');
		// script -e exits with the program's code; -f writes each output as it comes.
		const program = options.record ? ['script', '-qfec', command, options.record].map(quote).join(' ') : command;
		// After the program: its exit code, and the terminal's modes as the shell finds them.
		const script = `${program}; echo $? > ${quote(join(dir, 'exit'))}; stty -a > ${quote(join(dir, 'stty'))} 2>&1; exec sleep 600`;
		const terminal = new Terminal(socket, target, dir);
		// A configuration of our own, never the user's: no status line, so the pane is the whole window.
		const config = join(dir, 'tmux.conf');
		await writeFile(config, 'set -g status off\nset -g history-limit 0\n');
		await terminal.tmux(
			'-f',
			config,
			'new-session',
			'-d',
			'-s',
			target,
			'-x',
			String(options.columns ?? 120),
			'-y',
			String(options.rows ?? 36),
			...(options.cwd ? ['-c', options.cwd] : []),
			'sh',
			'-c',
			script,
		);
		return terminal;
	}

	/** The screen as text; with `colors`, with the escapes of its colours and attributes. */
	async screen(options: {colors?: boolean} = {}): Promise<string> {
		const {stdout} = await this.tmux('capture-pane', '-p', ...(options.colors ? ['-e'] : []), '-t', this.target);
		return stdout;
	}

	/** Polls the screen until it shows `expected` (or satisfies it), and returns it; throws with the screen on timeout. */
	async waitFor(expected: string | RegExp | ((screen: string) => boolean), timeoutMs = 15_000): Promise<string> {
		const matches =
			typeof expected === 'function'
				? expected
				: typeof expected === 'string'
					? (screen: string) => screen.includes(expected)
					: (screen: string) => expected.test(screen);
		const deadline = Date.now() + timeoutMs;
		let screen = '';
		for (;;) {
			screen = await this.screen();
			if (matches(screen)) return screen;
			if (Date.now() > deadline) {
				const exit = await this.exitCode();
				throw new Error(
					`Timed out after ${timeoutMs} ms waiting for ${String(expected)}${exit === undefined ? '' : ` (the program exited with ${exit})`}. The screen:\n${screen}`,
				);
			}
			await delay(100);
		}
	}

	/**
	 * Presses keys one at a time (keymap names like enter, escape, down, or single characters). Ink reads
	 * what arrives together as one input (`jj` at once is not two moves, and Esc followed by a key is
	 * Alt+key), so after each key this waits until the screen changes (or up to a second), then a little.
	 */
	async press(...keys: string[]): Promise<void> {
		for (const key of keys) {
			const named = TMUX_KEYS[key];
			await this.sendAndSettle(named ? ['send-keys', '-t', this.target, named] : ['send-keys', '-t', this.target, '-l', key]);
		}
	}

	/** Sends keys at once, without waiting for the screen: to time what follows them (a quit) from the key itself. */
	async send(...keys: string[]): Promise<void> {
		for (const key of keys) {
			const named = TMUX_KEYS[key];
			await this.tmux(...(named ? ['send-keys', '-t', this.target, named] : ['send-keys', '-t', this.target, '-l', key]));
		}
	}

	/** Types text into a prompt, in one go, as a paste would. */
	async type(text: string): Promise<void> {
		await this.sendAndSettle(['send-keys', '-t', this.target, '-l', text]);
	}

	private async sendAndSettle(command: string[]): Promise<void> {
		const before = await this.screen();
		await this.tmux(...command);
		const deadline = Date.now() + 1_000;
		while (Date.now() < deadline && (await this.screen()) === before) await delay(25);
		await delay(80);
	}

	/** The pane's title, as the program may have set it (OSC 0 or 2); tmux starts it at the host name. */
	async title(): Promise<string> {
		const {stdout} = await this.tmux('display-message', '-p', '-t', this.target, '#{pane_title}');
		return stdout.trimEnd();
	}

	/** The program's exit code once it has exited, else undefined. */
	async exitCode(): Promise<number | undefined> {
		try {
			return Number((await readFile(join(this.dir, 'exit'), 'utf8')).trim());
		} catch {
			return undefined;
		}
	}

	async waitForExit(timeoutMs = 10_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const code = await this.exitCode();
			if (code !== undefined) return code;
			if (Date.now() > deadline) throw new Error(`The program did not exit within ${timeoutMs} ms. The screen:\n${await this.screen()}`);
			await delay(100);
		}
	}

	/**
	 * The terminal's state after the program exited: whether the cursor shows, whether the alternate
	 * screen, mouse reporting or application keypad mode were left on, and the line discipline as
	 * `stty -a` printed it (raw mode left on would show -icanon -echo).
	 */
	async terminalState(): Promise<{cursorVisible: boolean; alternateScreen: boolean; mouse: boolean; keypad: boolean; stty: string}> {
		const {stdout} = await this.tmux(
			'display-message',
			'-p',
			'-t',
			this.target,
			'#{cursor_flag} #{alternate_on} #{mouse_any_flag} #{keypad_cursor_flag}',
		);
		const [cursor, alternate, mouse, keypad] = stdout.trim().split(' ');
		let stty = '';
		const deadline = Date.now() + 5_000;
		while (!stty && Date.now() < deadline) {
			stty = await readFile(join(this.dir, 'stty'), 'utf8').catch(() => '');
			if (!stty) await delay(50);
		}
		return {cursorVisible: cursor === '1', alternateScreen: alternate === '1', mouse: mouse === '1', keypad: keypad === '1', stty};
	}

	/** Ends the session and its program, and the tmux server with it. */
	async kill(): Promise<void> {
		await this.tmux('kill-server').catch(() => undefined);
		await rm(this.dir, {recursive: true, force: true});
	}

	private tmux(...args: string[]) {
		return run('tmux', ['-S', this.socket, ...args], {
			env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8'},
			timeout: 10_000,
		});
	}
}

/**
 * What a Terminal started with `record` recorded: the program's output, without the line `script`
 * writes before it (which names the command, environment and all) and the one after.
 */
export async function readRecording(path: string): Promise<string> {
	const text = await readFile(path, 'utf8');
	const start = text.startsWith('Script started on ') ? text.indexOf('\n') + 1 : 0;
	const end = text.lastIndexOf('\nScript done on ');
	return text.slice(start, end === -1 ? undefined : end);
}

/** Whether tmux is installed (.ci/run installs it when missing). */
export async function hasTmux(): Promise<boolean> {
	try {
		await run('tmux', ['-V']);
		return true;
	} catch {
		return false;
	}
}

/**
 * The colours in a screen captured with escapes: SGR parameters that set a foreground or background
 * colour (30–38, 40–48, 90–97, 100–107). Bold, inverse and the resets to default (39, 49) are not colours.
 */
export function colourEscapes(screen: string): string[] {
	const found: string[] = [];
	for (const match of screen.matchAll(SGR)) {
		const parameters = (match[1] ?? '').split(/[;:]/).map(Number);
		if (
			parameters.some(
				(value) =>
					(value >= 30 && value <= 38) || (value >= 40 && value <= 48) || (value >= 90 && value <= 97) || (value >= 100 && value <= 107),
			)
		)
			found.push(match[0]);
	}
	return found;
}

/** Select Graphic Rendition: ESC [ parameters m. */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[([0-9;:]*)m`, 'g');

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

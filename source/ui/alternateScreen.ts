/**
 * The console draws on the terminal's alternate screen, as less, k9s and lazygit do: on quit the
 * shell's screen comes back as it was, with no last frame left in the scrollback and the prompt on a
 * line of its own. Leaving is idempotent and also runs on process exit, whatever ends it.
 */
export function enterAlternateScreen(stream: NodeJS.WriteStream = process.stdout): () => void {
	let inside = true;
	const leave = () => {
		if (!inside) return;
		inside = false;
		process.off('exit', leave);
		stream.write('\x1b[?1049l');
	};
	stream.write('\x1b[?1049h');
	process.on('exit', leave);
	return leave;
}

import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** The terminal's size, updated on resize. */
export function useTerminalSize(): {columns: number; rows: number} {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = () => setSize(sizeOf(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

const sizeOf = (stdout: NodeJS.WriteStream): {columns: number; rows: number} => ({columns: stdout.columns || 100, rows: stdout.rows || 30});

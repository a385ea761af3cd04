import {execSync} from 'node:child_process';

/** The commit the engine was built from, if this is a git checkout (BENCH_REVISION names it otherwise). */
export function revision(): string {
	try {
		const commit = execSync('git rev-parse --short HEAD', {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
		const dirty = execSync('git status --porcelain -- source', {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim() !== '';
		return `${commit}${dirty ? ' with uncommitted changes under source/' : ''}`;
	} catch {
		return process.env.BENCH_REVISION ?? 'unknown';
	}
}

/**
 * Summarises V8 CPU profiles (from `node --cpu-prof`, e.g. BENCH_PROFILE=DIR npm run bench):
 * self time by function and by where the code lives.
 *   node --import tsx bench/profile.ts FILE.cpuprofile|DIR [--top 30]
 */
import {readFileSync, readdirSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';
import {parseArgs} from 'node:util';

interface ProfileNode {
	readonly id: number;
	readonly callFrame: {readonly functionName: string; readonly url: string; readonly lineNumber: number};
	readonly children?: readonly number[];
}
interface Profile {
	readonly nodes: readonly ProfileNode[];
	readonly samples: readonly number[];
	readonly timeDeltas: readonly number[];
	readonly startTime: number;
	readonly endTime: number;
}

const {values, positionals} = parseArgs({allowPositionals: true, options: {top: {type: 'string', default: '30'}}});
const top = Number(values.top);
const files = positionals.flatMap((path) =>
	statSync(path).isDirectory()
		? readdirSync(path, {recursive: true, encoding: 'utf8'})
				.filter((name) => name.endsWith('.cpuprofile'))
				.map((name) => join(path, name))
		: [path],
);
if (files.length === 0) {
	console.error('usage: node --import tsx bench/profile.ts FILE.cpuprofile|DIR [--top N]');
	process.exit(2);
}

const cwd = process.cwd();
function where(url: string): string {
	if (!url) return '(native/VM)';
	if (url.startsWith('node:')) return url.startsWith('node:internal/') ? `node:${url.split('/')[1] ?? ''}` : url;
	const path = url.startsWith('file://') ? relative(cwd, new URL(url).pathname) : url;
	const modules = path.lastIndexOf('node_modules/');
	if (modules >= 0) {
		const parts = path.slice(modules + 'node_modules/'.length).split('/');
		return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? path);
	}
	return path;
}

for (const file of files) {
	const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const self = new Map<number, number>();
	for (let index = 0; index < profile.samples.length; index++) {
		const id = profile.samples[index] ?? 0;
		self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
	}
	const total = [...self.values()].reduce((sum, value) => sum + value, 0);
	const idleIds = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
	const idle = [...idleIds].reduce((sum, id) => sum + (self.get(id) ?? 0), 0);
	const busy = total - idle;

	const functions = new Map<string, number>();
	const places = new Map<string, number>();
	for (const [id, micros] of self) {
		if (idleIds.has(id)) continue;
		const {functionName, url, lineNumber} = byId.get(id)!.callFrame;
		const place = where(url);
		const name = `${functionName || '(anonymous)'}  ${place}${url ? `:${lineNumber + 1}` : ''}`;
		functions.set(name, (functions.get(name) ?? 0) + micros);
		places.set(place, (places.get(place) ?? 0) + micros);
	}
	const percent = (micros: number) => `${((micros / busy) * 100).toFixed(1).padStart(5)}%`;
	const list = (map: Map<string, number>) =>
		[...map]
			.sort((a, b) => b[1] - a[1])
			.slice(0, top)
			.map(([name, micros]) => `  ${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`)
			.join('\n');
	console.log(`# ${relative(cwd, file)}`);
	console.log(
		`wall ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (percentages are of busy time)\n`,
	);
	console.log(`by place:\n${list(places)}\n`);
	console.log(`by function (self time):\n${list(functions)}\n`);
}

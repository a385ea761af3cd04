/**
 * Builds dist/: the CLI and the engine's module, bundled by esbuild into ES modules that share chunks.
 * One file per command path instead of hundreds: a scripted command such as `streams` spends most of
 * its life loading modules, and Node resolves, reads, lexes and compiles each file of the AWS SDK
 * apart. The SDK is bundled from its ES module builds, so only what the code uses is kept.
 *
 * Ink is bundled with three of its files rewritten (source/ui/inkCaches.ts says why): its text caches
 * bounded and a cheaper Output.get.
 *
 * Left outside the bundle, loaded from node_modules as before:
 *   - react: the console's UI and Ink share the one React;
 *   - lmdb, cbor-x, msgpackr: they load native builds that sit beside them;
 *   - dynalite: engine/dynamodb.ts reaches into its modules by path;
 *   - the CloudWatch and DynamoDB clients: console/connect.ts loads them on first use, with require,
 *     and the modules that send their commands must get the very same classes.
 * Type-checking is tsc's (`npm run typecheck`); esbuild only strips the types.
 *
 *   node --import tsx scripts/build.ts
 */
import {readFileSync, rmSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {build, type Plugin} from 'esbuild';
import {INK_FILES, patchedInkSource} from '../source/ui/inkCaches.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const external = [
	'react',
	'react-devtools-core',
	'lmdb',
	'cbor-x',
	'msgpackr',
	'dynalite',
	'@aws-sdk/client-cloudwatch',
	'@aws-sdk/client-dynamodb',
	'@aws-sdk/lib-dynamodb',
];

rmSync(`${root}/dist`, {recursive: true, force: true});
await build({
	absWorkingDir: root,
	entryPoints: {
		cli: 'source/cli.tsx',
		'engine/index': 'source/engine/index.ts',
	},
	outdir: 'dist',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// The ES module builds (`module`) first: esbuild can drop what is not used from them, not from CommonJS.
	mainFields: ['module', 'main'],
	// A package named here also keeps its subpaths (react/jsx-runtime, dynalite/db/index.js) outside.
	external,
	plugins: [patchInk()],
	// The CommonJS packages inside the bundle call require for Node's own modules.
	banner: {js: "import {createRequire as __bundleRequire} from 'node:module'; const require = __bundleRequire(import.meta.url);"},
	sourcemap: true,
	logLevel: 'warning',
});

/** Gives the bundle Ink's files as inkCaches.ts rewrites them. */
function patchInk(): Plugin {
	const outputModule = fileURLToPath(new URL('../source/ui/inkOutput.ts', import.meta.url));
	return {
		name: 'patch-ink',
		setup(builder) {
			builder.onLoad({filter: INK_FILES}, ({path}) => ({
				contents: patchedInkSource(path, readFileSync(path, 'utf8'), outputModule),
				loader: 'js',
			}));
		},
	};
}

/**
 * Runs kinesalite's own mocha suite (mhart/kinesalite, test/*.js), whose cases were asserted against
 * AWS's real answers, against this engine, and prints how many pass.
 *
 *   git clone https://github.com/mhart/kinesalite /tmp/kinesalite
 *   npm run conformance -- /tmp/kinesalite [--grep <regex>] [--timeout <ms>] [--failures <file.json>] [files...]
 *
 * The suite's helpers start kinesalite on a port; here that start is the engine's (scripts/conformance/shims.ts),
 * with what the suite assumes of kinesalite: quick state changes and a 50-shard account limit. mocha and
 * should.js are not dependencies of this repository: scripts/conformance/runner.ts and should.ts do their part.
 * Nothing of kinesalite is copied here; the checkout is read where it lies.
 */
import {readdirSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {Runner, type Outcome} from './conformance/runner.js';
import {installShims} from './conformance/shims.js';
import {installShould} from './conformance/should.js';

const {values, positionals} = parseArgs({
	allowPositionals: true,
	options: {
		grep: {type: 'string'},
		// kinesalite's `npm test` allows 4 s a test (30 s against AWS); more here, for a machine that is busy.
		timeout: {type: 'string', default: '10000'},
		failures: {type: 'string'},
	},
});
const [checkoutArgument, ...files] = positionals;
if (!checkoutArgument) {
	console.error(
		'usage: npm run conformance -- <kinesalite checkout> [--grep <regex>] [--timeout <ms>] [--failures <file.json>] [files...]',
	);
	process.exit(2);
}
const checkout = resolve(checkoutArgument);
const testDirectory = join(checkout, 'test');

installShould();
installShims(checkout, {
	host: '127.0.0.1',
	region: 'us-east-1',
	// kinesalite's defaults (its README): state changes take 500 ms; test/helpers.js assumes a shard limit of 50 until it learns it.
	createStreamMs: 500,
	deleteStreamMs: 500,
	updateStreamMs: 500,
	shardLimit: 50,
});
const runner = new Runner();
runner.installGlobals();
const requireTest = createRequire(join(testDirectory, 'helpers.js'));
// As mocha loads test/: every .js file, in name order (helpers.js among them, for its root hooks).
const names = files.length > 0 ? ['helpers.js', ...files.map((file) => file.replace(/^.*\//, ''))] : readdirSync(testDirectory).sort();
for (const name of names.filter((file) => file.endsWith('.js'))) requireTest(join(testDirectory, name));

const outcomes: Outcome[] = [];
const marks = {passed: '✓', failed: '✗', pending: '-'};
await runner.run({
	timeoutMs: Number(values.timeout),
	...(values.grep ? {grep: new RegExp(values.grep)} : {}),
	onOutcome(outcome) {
		outcomes.push(outcome);
		const detail = outcome.error ? `\n      ${outcome.error.slice(0, 600)}` : '';
		console.log(`  ${marks[outcome.state]} ${outcome.title}${detail}`);
	},
});

const count = (state: Outcome['state']) => outcomes.filter((outcome) => outcome.state === state).length;
const [passed, failed, pending] = [count('passed'), count('failed'), count('pending')];
const ratio = passed + failed === 0 ? 0 : (100 * passed) / (passed + failed);
console.log(
	`\n${passed} passing, ${failed} failing, ${pending} pending: ${passed} of ${passed + failed} non-pending cases (${ratio.toFixed(1)}%)`,
);
if (values.failures) {
	const failures = outcomes.filter((outcome) => outcome.state === 'failed').map(({title, error}) => ({title, error}));
	writeFileSync(values.failures, JSON.stringify(failures, null, '\t') + '\n');
}
process.exit(failed > 0 ? 1 : 0);

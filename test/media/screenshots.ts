/**
 * Regenerates the README's screenshots in media/ (`npm run screenshots`): runs the built console on
 * `--local --demo` in a tmux terminal of 120×36, walks through the views, and keeps each screen as
 * the terminal shows it (text with colour escapes, media/NAME.txt; `cat` it in a terminal) and as a
 * picture (media/NAME.svg).
 */
import {mkdir, writeFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {Terminal, hasTmux} from '../helpers/terminal.js';
import {ansiToSvg} from './ansiToSvg.js';

const COLUMNS = 120;
const ROWS = 36;
const media = fileURLToPath(new URL('../../media/', import.meta.url));

if (!(await hasTmux())) {
	process.stderr.write('screenshots: tmux is needed (apt-get install tmux).\n');
	process.exit(1);
}

const term = await Terminal.start(['--local', '--demo'], {columns: COLUMNS, rows: ROWS});
const started = Date.now();
const log = (text: string) => process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function shoot(name: string, title: string): Promise<void> {
	const screen = await term.screen({colors: true});
	await writeFile(`${media}${name}.txt`, screen);
	await writeFile(`${media}${name}.svg`, ansiToSvg(screen, {columns: COLUMNS, rows: ROWS, title}));
	log(`media/${name}.txt and .svg`);
}

try {
	await mkdir(media, {recursive: true});
	await term.waitFor(/demo traffic: [1-9]/, 30_000);
	await sleep(1_000);
	await shoot('streams', 'kinesis-console --local --demo');

	// The dashboard of clickstream, once the live chart has some history and the first burst (about
	// 20 s in) has been throttled.
	await term.press('/');
	await term.type('clickstream');
	await term.press('enter', 'enter');
	await term.waitFor('HASH RANGE');
	// The dashboard reads shards only when asked: l reads the four live, for the live chart and the top keys.
	await term.press('l');
	log('dashboard open, reading live; waiting for a burst and a chart with history');
	await term.waitFor((screen) => /[\d,]+ throttled/.test(screen.split('\n')[0] ?? ''), 90_000);
	await sleep(12_000);
	await shoot('dashboard', 'kinesis-console --local --demo · clickstream');

	await term.press('t');
	await term.waitFor(/user-\d+\s+\{"eventType"/);
	await sleep(2_000);
	await shoot('tail', 'kinesis-console --local --demo · tail clickstream');

	// One app-logs record in full: a CloudWatch Logs batch, gunzipped.
	await term.press('escape');
	await term.waitFor('HASH RANGE');
	await term.press('escape');
	await term.press('escape');
	await term.waitFor((screen) => screen.includes('app-logs') && screen.includes('STREAM'));
	await term.press('/');
	await term.type('app-logs');
	await term.press('enter', 'enter');
	await term.waitFor('HASH RANGE');
	await term.press('t');
	await term.waitFor('"messageType":"DATA_MESSAGE"');
	await term.press('enter');
	await term.waitFor('"logEvents"');
	await shoot('record', 'kinesis-console --local --demo · an app-logs record');

	await term.press('escape');
	await term.press('q');
	log(`exited with ${await term.waitForExit()}`);
} finally {
	await term.kill();
}

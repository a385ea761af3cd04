import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {NoticeStore} from '../../source/console/notices.js';
import {RequestBudget} from '../../source/console/requestBudget.js';
import type {StreamsStore} from '../../source/console/streamsStore.js';
import {Text} from '../../source/ui/components/Text.js';
import {useNavigator, useViewCommands, type Route} from '../../source/ui/navigation.js';
import type {ConsoleServices} from '../../source/ui/services.js';
import {localTarget, press, renderApp, waitForFrame} from '../helpers/ui.js';

/** The console's frame around any view: the status line's notices, the hint bar. Views here are probes that only navigate. */

afterEach(() => cleanup());

function Probe({route, height}: {readonly route: Route; readonly height: number}) {
	const navigator = useNavigator();
	useViewCommands('streams', (command) => {
		if (command === 'open') navigator.push({kind: 'dashboard', stream: 'orders'});
		// @ts-expect-error -- the type check is the test: the streams screen has no binding for 'tailStream' (the dashboard's)
		else if (command === 'tailStream') return;
		else return false;
	});
	return <Text>{`probe ${route.kind} with ${height} rows`}</Text>;
}

const services = (): ConsoleServices => ({
	target: localTarget('http://127.0.0.1:4567'),
	readOnly: false,
	streams: {} as StreamsStore,
	notices: new NoticeStore(),
	dashboard: () => {
		throw new Error('no dashboard here');
	},
	tail: () => {
		throw new Error('no tail here');
	},
});

describe('the frame', () => {
	it('clears a notice when the user moves to another screen: a notice belongs to the screen it was said on', async () => {
		const svc = services();
		const app = renderApp(svc, (route, height) => <Probe route={route} height={height} />);
		await waitForFrame(app.lastFrame, (text) => text.includes('probe streams'));
		svc.notices.say('info', 'The retention change is done (1.2 s).');
		await waitForFrame(app.lastFrame, (text) => text.includes('The retention change is done'));
		app.stdin.write(press.enter);
		const dashboard = await waitForFrame(app.lastFrame, (text) => text.includes('probe dashboard'));
		expect(dashboard).not.toContain('The retention change is done');
		svc.notices.say('warning', 'said on the dashboard');
		await waitForFrame(app.lastFrame, (text) => text.includes('said on the dashboard'));
		app.stdin.write(press.escape);
		const back = await waitForFrame(app.lastFrame, (text) => text.includes('probe streams'));
		expect(back).not.toContain('said on the dashboard');
		app.unmount();
	});

	it('puts a notice that does not fit beside the place under it, whole, and gives the view a row less', async () => {
		const svc = services();
		const app = renderApp(svc, (route, height) => <Probe route={route} height={height} />);
		const before = await waitForFrame(app.lastFrame, (text) => text.includes('probe streams'));
		const rows = Number(/with (\d+) rows/.exec(before)?.[1]);
		const long =
			'shardId-000000000001: Kinesis is throttling these calls (shardId-000000000001), even after the SDK retries. Retrying in 1.6 s.';
		svc.notices.say('warning', long);
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('Retrying in 1.6 s.'));
		// Every word shows, none cut; the view was given fewer rows for it.
		expect(frame.split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ')).toContain(long);
		expect(frame).toContain(`with ${rows - 2} rows`);
		expect(frame.split('\n').at(-1)).toContain('? Help');
		app.unmount();
	});

	it('says what AWS is throttling while it lasts, under what the console says, and not after', async () => {
		let nowMs = 0;
		const budget = new RequestBudget({quotas: {DescribeStreamSummary: {perSecond: 20, scope: 'account'}}, now: () => nowMs});
		const svc = {...services(), budget};
		const app = renderApp(svc, (route, height) => <Probe route={route} height={height} />);
		await waitForFrame(app.lastFrame, (text) => text.includes('probe streams'));
		budget.throttled('DescribeStreamSummary');
		const slowed = await waitForFrame(app.lastFrame, (text) => text.includes('AWS is throttling'));
		expect(slowed.replace(/\s+/g, ' ')).toContain('the console slowed DescribeStreamSummary 2.5/s of 5/s');
		svc.notices.say('info', 'The retention change is done (1.2 s).');
		await waitForFrame(app.lastFrame, (text) => text.includes('retention change is done') && !text.includes('AWS is throttling'));
		svc.notices.clear();
		await waitForFrame(app.lastFrame, (text) => text.includes('AWS is throttling'));
		// Ten throttle-free seconds later the rate is whole again; the budget says so within a second.
		nowMs += 20_000;
		await waitForFrame(app.lastFrame, (text) => !text.includes('AWS is throttling'), 3_000);
		budget.close();
		app.unmount();
	});
});

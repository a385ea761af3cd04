import {defineScreen} from '../screen.js';
import {ConsumerView} from '../views/ConsumerView.js';

/** A consumer's changes, the same keys on the who-is-behind list and on a consumer's own screen (ui/hooks/useConsumerActions.ts offers them by its kind). */
export const consumerChangeBindings = [
	{
		id: 'deregister',
		keys: ['D'],
		description: 'Deregister the consumer from the stream (when its kind can)',
		dangerous: true,
		changes: "the stream's consumers",
		hint: true,
		hintText: 'Deregister',
	},
	{
		id: 'pause',
		keys: ['P'],
		description: 'Pause the consumer, or resume it when paused (when its kind can)',
		dangerous: true,
		changes: 'whether the consumer reads the stream',
		hint: true,
		hintText: 'Pause/resume',
	},
	{id: 'refresh', keys: ['r'], description: 'Refresh now'},
] as const;

/** One consumer that keeps no per-shard positions the console reads (fan-out, Lambda, channels, ...): its status, lag chart, fields and actions. */
export const consumerScreen = defineScreen<{readonly stream: string; readonly id: string; readonly name: string}>()({
	title: 'Consumer',
	shared: [],
	bindings: [...consumerChangeBindings],
	crumb: ({name}) => name,
	render: ({stream, id, name}, height) => <ConsumerView stream={stream} consumerKey={id} name={name} height={height} />,
});

import {defineScreen} from '../screen.js';
import {StreamsView} from '../views/StreamsView.js';

/** Every stream of the account and region; Enter opens one. */
export const streamsScreen = defineScreen()({
	title: 'Streams',
	shared: ['list'],
	bindings: [
		{id: 'open', keys: ['enter'], description: 'Open the stream', hint: true},
		{id: 'refresh', keys: ['r'], description: 'Refresh now'},
	],
	crumb: () => 'streams',
	render: (_, height) => <StreamsView height={height} />,
});

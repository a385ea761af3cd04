import {defineScreen} from '../screen.js';
import {TailView} from '../views/TailView.js';

/** The records of a stream, or of one shard and its descendants, as they arrive. */
export const tailScreen = defineScreen<{readonly stream: string; readonly shardId?: string}>()({
	title: 'Tail',
	shared: ['list'],
	bindings: [
		{id: 'pause', keys: ['space', 'p'], description: 'Pause or resume', hint: true},
		{id: 'follow', keys: ['f'], description: 'Follow (resumes if paused)', hint: true},
		{id: 'decoder', keys: ['d'], description: 'Change the decoding', hint: true},
		{id: 'position', keys: ['o'], description: 'Start from another position'},
		{id: 'inspect', keys: ['enter'], description: 'Open the record in full', hint: true},
		{id: 'save', keys: ['s'], description: 'Save what is shown to a JSON lines file'},
	],
	crumb: ({stream, shardId}) => `tail ${stream}${shardId ? ` ${shardId}` : ''}`,
	render: ({stream, shardId}, height) => <TailView stream={stream} shardId={shardId} height={height} />,
});

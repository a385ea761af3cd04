import {defineScreen} from '../screen.js';
import {RetentionView} from '../views/RetentionView.js';

/** The retention period: an increase confirmed with y, a decrease first counting what becomes unreadable. */
export const retentionScreen = defineScreen<{readonly stream: string}>()({
	title: 'Retention',
	shared: ['operation'],
	bindings: [{id: 'edit', keys: ['t'], description: 'Type the hours', hint: true}],
	crumb: () => 'retention',
	render: ({stream}, height) => <RetentionView stream={stream} height={height} />,
});

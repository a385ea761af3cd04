import {defineAction} from './action.js';
import {describeSummary} from './describe.js';
import {StreamRef} from './fields.js';

export default defineAction({...StreamRef}, ({streams, region, nowMs}, input) => ({
	StreamDescriptionSummary: describeSummary(streams, streams.find(region, input, nowMs), nowMs),
}));

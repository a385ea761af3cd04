import {defineAction} from '../action.js';
import {StreamRef} from '../model/fields.js';
import {changeRetention, retentionInput} from './retention.js';

export default defineAction({...StreamRef, ...retentionInput}, async (context, input) => {
	await changeRetention(context, input, input.RetentionPeriodHours, 'increase');
	return {};
});

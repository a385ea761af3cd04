import {defineAction} from '../action.js';
import {changeMonitoring, monitoringInput} from './enhancedMonitoring.js';

export default defineAction(monitoringInput, (context, input) => changeMonitoring(context, input, false));

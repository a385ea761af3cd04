import {defineAction} from '../action.js';
import {encryptionInput, setEncryption} from './encryption.js';

export default defineAction(encryptionInput, async (context, input) => {
	await setEncryption(context, input, true);
	return {};
});

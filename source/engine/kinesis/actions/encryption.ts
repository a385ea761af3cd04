import {invalidArgument} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {StreamRef} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';

export const encryptionInput = {
	...StreamRef,
	EncryptionType: {type: 'String', required: true, enum: ['NONE', 'KMS']},
	KeyId: {type: 'String', required: true, min: 1, max: 2048},
} as const;

/** Starts or stops server-side encryption; the stream is UPDATING while the change applies, as on AWS. */
export async function setEncryption(
	context: ActionContext,
	input: {StreamName?: string; StreamARN?: string; EncryptionType: string; KeyId: string},
	enabled: boolean,
): Promise<void> {
	if (input.EncryptionType !== 'KMS') {
		throw invalidArgument(`Encryption type ${input.EncryptionType} is not valid here: the only supported type is KMS.`);
	}
	const stream = activeStream(context, input);
	stream.encryption = enabled ? {type: 'KMS', keyId: input.KeyId} : {type: 'NONE'};
	const fromPosition = context.streams.lastPosition(stream) + 1;
	stream.encryptionChanges = [...(stream.encryptionChanges ?? []), {fromPosition, type: stream.encryption.type}];
	await context.streams.startUpdating(stream, context.nowMs);
}

/** The encryption a record was written under: the last change at or below its position (streams start unencrypted). */
export function encryptionAt(stream: StreamState, position: number): 'NONE' | 'KMS' {
	// Streams stored before changes were recorded know only their current encryption.
	if (!stream.encryptionChanges) return stream.encryption.type;
	let type: 'NONE' | 'KMS' = 'NONE';
	for (const change of stream.encryptionChanges) if (change.fromPosition <= position) type = change.type;
	return type;
}

/** An error the engine answers with, shaped as AWS shapes it (see wireError): `{"__type": name, "message": text}`. */
export class ServiceError extends Error {
	constructor(
		readonly type: string,
		message: string,
		readonly statusCode = 400,
	) {
		super(message);
		this.name = type;
	}
}

/**
 * An error's JSON (or CBOR) body as AWS's front end writes it: `message` for most types, but `Message` for
 * SerializationException, and no message at all where AWS gives none (UnknownOperationException, a body
 * that does not parse). Recorded against AWS by kinesalite's test suite (mhart/kinesalite, test/helpers.js
 * assertSerialization, test/connection.js assertUnknownJson and assertSerializationJson).
 */
export function wireError(error: ServiceError, type = error.type): Record<string, string> {
	if (!error.message) return {__type: type};
	return {__type: type, [error.type === 'SerializationException' ? 'Message' : 'message']: error.message};
}

export const validationError = (message: string) => new ServiceError('ValidationException', message);
/** Without a message, for a body that is not a structure at all; with AWS's Java wording for a member of the wrong type. */
export const serializationError = (message = '') => new ServiceError('SerializationException', message);
export const unknownOperation = () => new ServiceError('UnknownOperationException', '');
export const invalidArgument = (message: string) => new ServiceError('InvalidArgumentException', message);
export const resourceNotFound = (message: string) => new ServiceError('ResourceNotFoundException', message);
export const resourceInUse = (message: string) => new ServiceError('ResourceInUseException', message);
export const limitExceeded = (message: string) => new ServiceError('LimitExceededException', message);
export const internalFailure = () =>
	new ServiceError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);

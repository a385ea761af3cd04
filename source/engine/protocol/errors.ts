/** An error the engine answers with, shaped as AWS shapes it: `{"__type": name, "message": text}`. */
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

export const validationError = (message: string) => new ServiceError('ValidationException', message);
export const serializationError = (message: string) => new ServiceError('SerializationException', message);
export const invalidArgument = (message: string) => new ServiceError('InvalidArgumentException', message);
export const resourceNotFound = (message: string) => new ServiceError('ResourceNotFoundException', message);
export const resourceInUse = (message: string) => new ServiceError('ResourceInUseException', message);
export const limitExceeded = (message: string) => new ServiceError('LimitExceededException', message);
export const internalFailure = () =>
	new ServiceError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500);

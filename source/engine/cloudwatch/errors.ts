import {ServiceError} from '../protocol/errors.js';

/**
 * CloudWatch speaks JSON 1.0 in "query compatible" mode: an error names its shape in `__type` and its
 * old Query API code in the `x-amzn-query-error` header ("Code;Sender"), which is what
 * @aws-sdk/client-cloudwatch reads first to pick the exception class it throws.
 */
const QUERY_CODES: Readonly<Record<string, string>> = {
	InvalidParameterValueException: 'InvalidParameterValue',
	InvalidParameterCombinationException: 'InvalidParameterCombination',
	MissingRequiredParameterException: 'MissingParameter',
	InvalidNextToken: 'InvalidNextToken',
	LimitExceededFault: 'LimitExceeded',
	ValidationException: 'ValidationError',
	InternalServiceFault: 'InternalServiceError',
};

export const invalidParameterValue = (message: string) => new ServiceError('InvalidParameterValueException', message);
export const invalidParameterCombination = (message: string) => new ServiceError('InvalidParameterCombinationException', message);
export const missingParameter = (name: string) =>
	new ServiceError('MissingRequiredParameterException', `The parameter ${name} is required.`);
export const invalidNextToken = () => new ServiceError('InvalidNextToken', "The service couldn't process the NextToken.");
export const limitExceeded = (message: string) => new ServiceError('LimitExceededFault', message);

/** How CloudWatch names an error on the wire. */
export function describeCloudWatchError(error: ServiceError): {readonly type: string; readonly headers: Readonly<Record<string, string>>} {
	const type = error.type === 'InternalFailure' ? 'InternalServiceFault' : error.type;
	const code = QUERY_CODES[type];
	if (code === undefined) return {type, headers: {}};
	return {
		type: `com.amazonaws.cloudwatch#${type}`,
		headers: {'x-amzn-query-error': `${code};${error.statusCode >= 500 ? 'Receiver' : 'Sender'}`},
	};
}

import {invalidArgument} from '../../protocol/errors.js';
import type {ConsumerState, StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {streamOfResource} from '../model/tagRules.js';

/** ResourceARN of the policy operations, as the service model constrains it (API_PutResourcePolicy). */
export const PolicyResourceARN = {
	type: 'String',
	required: true,
	min: 1,
	max: 2048,
	pattern: 'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
} as const;

/**
 * Kinesis documents no size limit for a resource policy; the engine takes AWS's usual 20 KB for
 * resource-based policies (DynamoDB's PutResourcePolicy: "The maximum size supported for a resource-based
 * policy document is 20 KB", whitespace counted).
 */
export const MAX_POLICY_BYTES = 20 * 1024;

/** What holds a policy: a stream, or a registered consumer of one. Either way the stream is what is saved. */
export interface PolicyHolder {
	readonly stream: StreamState;
	readonly holder: StreamState | ConsumerState;
}

/** The stream or consumer a ResourceARN names, or ResourceNotFoundException as TagResource words it. */
export function policyHolder(context: ActionContext, resourceArn: string): PolicyHolder {
	const owner = context.consumers.ofResource(context, resourceArn);
	if (owner) return {stream: owner.stream, holder: owner.consumer};
	const stream = streamOfResource(context, resourceArn);
	return {stream, holder: stream};
}

/**
 * Checks a policy document: JSON text of an object with a Statement, within MAX_POLICY_BYTES. The engine
 * keeps it and never evaluates it. The wording of these refusals is the engine's own.
 */
export function checkPolicy(policy: string): void {
	if (Buffer.byteLength(policy) > MAX_POLICY_BYTES) {
		throw invalidArgument(`Policy document of ${Buffer.byteLength(policy)} bytes exceeds the limit of ${MAX_POLICY_BYTES} bytes.`);
	}
	let document: unknown;
	try {
		document = JSON.parse(policy);
	} catch {
		throw invalidArgument('Policy document is not valid JSON.');
	}
	if (typeof document !== 'object' || document === null || Array.isArray(document) || !('Statement' in document)) {
		throw invalidArgument('Policy document must be a JSON object with a Statement.');
	}
}

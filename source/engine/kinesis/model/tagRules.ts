import {invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {parseStreamArn} from './names.js';

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u;
export const MAX_TAGS_PER_STREAM = 50;

/**
 * AWS checks tag keys and values twice, with two texts (as kinesalite's suite recorded them, mhart/kinesalite
 * test/addTagsToStream.js and removeTagsFromStream.js): first for characters outside letters, digits, white
 * space and `_ . : / = + - @ %`; then it refuses `%` too, though the first text allows it.
 */
export function checkTagCharacters(texts: readonly string[], failure: string): void {
	if (texts.some((text) => !TAG_TEXT.test(text))) {
		throw invalidArgument('Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.');
	}
	if (texts.some((text) => text.includes('%'))) {
		throw invalidArgument(
			`${failure} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.`,
		);
	}
}

/** A tag map's keys and values, the texts checkTagCharacters checks. */
export const tagTexts = (tags: Record<string, string>): string[] => [...Object.keys(tags), ...Object.values(tags)];

/** Adds or replaces tags, keeping a stream within AWS's 50 tags. */
export async function addTags(context: ActionContext, stream: StreamState, tags: Record<string, string>): Promise<void> {
	const failure = `Failed to add tags to stream ${stream.name} under account ${context.streams.account}`;
	checkTagCharacters(tagTexts(tags), failure);
	const merged = {...stream.tags, ...tags};
	if (Object.keys(merged).length > MAX_TAGS_PER_STREAM) {
		// AWS's text says 10 while it allows 50 (kinesalite's suite recorded both: test/addTagsToStream.js, "should add and remove tags keys").
		throw invalidArgument(`${failure} because a given stream cannot have more than 10 tags associated with it.`);
	}
	stream.tags = merged;
	await context.streams.save(stream);
}

export async function removeTags(context: ActionContext, stream: StreamState, keys: readonly string[]): Promise<void> {
	checkTagCharacters(keys, `Failed to remove tags from stream ${stream.name} under account ${context.streams.account}`);
	const remaining = {...stream.tags};
	for (const key of keys) delete remaining[key];
	stream.tags = remaining;
	await context.streams.save(stream);
}

/** Tags in key order, as AWS lists them. */
export const sortedTags = (stream: Pick<StreamState, 'tags'>) =>
	Object.entries(stream.tags)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([Key, Value]) => ({Key, Value}));

/** The stream a resource ARN names (TagResource and friends). */
export function streamOfResource(context: ActionContext, resourceArn: string): StreamState {
	const arn = parseStreamArn(resourceArn);
	const stream = arn && arn.account === context.streams.account ? context.streams.lookup(arn.region, arn.name, context.nowMs) : undefined;
	if (!stream) throw resourceNotFound(`Resource ${resourceArn} under account ${context.streams.account} not found.`);
	return stream;
}

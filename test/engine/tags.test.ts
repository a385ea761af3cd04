import {
	AddTagsToStreamCommand,
	CreateStreamCommand,
	ListTagsForResourceCommand,
	ListTagsForStreamCommand,
	RemoveTagsFromStreamCommand,
	TagResourceCommand,
	UntagResourceCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, arnOf, createStream, expectError, rawRequest, rejection, transports, uniqueName, useEngine} from './support.js';

// AWS's two texts for characters (kinesalite's suite recorded both: test/addTagsToStream.js, test/removeTagsFromStream.js):
// one for characters outside its set, and one for `%`, which the first text allows but AWS refuses after all.
const INVALID = 'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const ILLEGAL =
	"because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

describe.each(transports)('tags over %s', (transport) => {
	const harness = useEngine(transport);
	const tagsOf = async (StreamName: string) => (await harness.client.send(new ListTagsForStreamCommand({StreamName}))).Tags;

	it('adds, overwrites, lists in key order and removes tags on a stream', async () => {
		const name = uniqueName('tagged');
		await createStream(harness.client, name);
		expect(await harness.client.send(new ListTagsForStreamCommand({StreamName: name}))).toMatchObject({Tags: [], HasMoreTags: false});

		await harness.client.send(
			new AddTagsToStreamCommand({StreamName: name, Tags: {team: 'data', env: 'test', 'cost centre': '42', empty: ''}}),
		);
		expect(await tagsOf(name)).toEqual([
			{Key: 'cost centre', Value: '42'},
			{Key: 'empty', Value: ''},
			{Key: 'env', Value: 'test'},
			{Key: 'team', Value: 'data'},
		]);
		await harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {env: 'prod'}}));
		expect((await tagsOf(name))?.find((tag) => tag.Key === 'env')).toEqual({Key: 'env', Value: 'prod'});

		await harness.client.send(new RemoveTagsFromStreamCommand({StreamName: name, TagKeys: ['env', 'empty', 'not-there']}));
		expect(await tagsOf(name)).toEqual([
			{Key: 'cost centre', Value: '42'},
			{Key: 'team', Value: 'data'},
		]);
	});

	it('keeps a tag whose key is __proto__ (a name JavaScript objects treat specially)', async () => {
		const name = uniqueName('proto-tag');
		await createStream(harness.client, name);
		// Sent as raw JSON: the SDK itself drops such a key while it builds the request.
		const added = await rawRequest(harness.url, transport, {
			operation: 'AddTagsToStream',
			body: `{"StreamName": "${name}", "Tags": {"__proto__": "x", "team": "data"}}`,
		});
		expect(added.status).toBe(200);
		expect(await tagsOf(name)).toEqual([
			{Key: '__proto__', Value: 'x'},
			{Key: 'team', Value: 'data'},
		]);
	});

	it('pages ListTagsForStream with Limit and ExclusiveStartTagKey', async () => {
		const name = uniqueName('tag-pages');
		await createStream(harness.client, name);
		await harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {c: '3', a: '1', e: '5', b: '2', d: '4'}}));
		const first = await harness.client.send(new ListTagsForStreamCommand({StreamName: name, Limit: 2}));
		expect(first).toMatchObject({
			Tags: [
				{Key: 'a', Value: '1'},
				{Key: 'b', Value: '2'},
			],
			HasMoreTags: true,
		});
		const second = await harness.client.send(new ListTagsForStreamCommand({StreamName: name, Limit: 2, ExclusiveStartTagKey: 'b'}));
		expect(second).toMatchObject({
			Tags: [
				{Key: 'c', Value: '3'},
				{Key: 'd', Value: '4'},
			],
			HasMoreTags: true,
		});
		const last = await harness.client.send(new ListTagsForStreamCommand({StreamName: name, Limit: 2, ExclusiveStartTagKey: 'd'}));
		expect(last).toMatchObject({Tags: [{Key: 'e', Value: '5'}], HasMoreTags: false});
		const between = await harness.client.send(new ListTagsForStreamCommand({StreamName: name, ExclusiveStartTagKey: 'bb'}));
		expect(between.Tags?.map((tag) => tag.Key)).toEqual(['c', 'd', 'e']);
	});

	it('takes tags at creation', async () => {
		const name = uniqueName('born-tagged');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1, Tags: {owner: 'me'}}));
		expect(await tagsOf(name)).toEqual([{Key: 'owner', Value: 'me'}]);
	});

	it('tags, lists and untags a stream by resource ARN', async () => {
		const name = uniqueName('resource');
		await createStream(harness.client, name);
		const ResourceARN = arnOf(name);
		await harness.client.send(new TagResourceCommand({ResourceARN, Tags: {b: '2', a: '1'}}));
		expect((await harness.client.send(new ListTagsForResourceCommand({ResourceARN}))).Tags).toEqual([
			{Key: 'a', Value: '1'},
			{Key: 'b', Value: '2'},
		]);
		// The same tags, seen through the stream operations.
		expect(await tagsOf(name)).toEqual([
			{Key: 'a', Value: '1'},
			{Key: 'b', Value: '2'},
		]);
		await harness.client.send(new UntagResourceCommand({ResourceARN, TagKeys: ['a']}));
		expect((await harness.client.send(new ListTagsForResourceCommand({ResourceARN}))).Tags).toEqual([{Key: 'b', Value: '2'}]);
	});

	it('refuses tags on a stream that does not exist', async () => {
		const name = uniqueName('untaggable');
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {a: 'b'}})),
			'ResourceNotFoundException',
			`Stream ${name} under account ${ACCOUNT} not found.`,
		);
		expect((await rejection(harness.client.send(new TagResourceCommand({ResourceARN: arnOf(name), Tags: {a: 'b'}})))).name).toBe(
			'ResourceNotFoundException',
		);
		expect((await rejection(harness.client.send(new ListTagsForResourceCommand({ResourceARN: arnOf(name)})))).name).toBe(
			'ResourceNotFoundException',
		);
	});

	it('refuses illegal characters and more than 50 tags', async () => {
		const name = uniqueName('tag-limits');
		await createStream(harness.client, name);
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {'a#b': 'x'}})),
			'InvalidArgumentException',
			INVALID,
		);
		await expectError(
			harness.client.send(new RemoveTagsFromStreamCommand({StreamName: name, TagKeys: ['a#b']})),
			'InvalidArgumentException',
			INVALID,
		);
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {a: '100%'}})),
			'InvalidArgumentException',
			`Failed to add tags to stream ${name} under account ${ACCOUNT} ${ILLEGAL}`,
		);
		await expectError(
			harness.client.send(new RemoveTagsFromStreamCommand({StreamName: name, TagKeys: ['a%b']})),
			'InvalidArgumentException',
			`Failed to remove tags from stream ${name} under account ${ACCOUNT} ${ILLEGAL}`,
		);
		const fifty = Object.fromEntries(Array.from({length: 50}, (_, index) => [`key-${String(index).padStart(2, '0')}`, String(index)]));
		await harness.client.send(new TagResourceCommand({ResourceARN: arnOf(name), Tags: fifty}));
		const count = async () => (await harness.client.send(new ListTagsForResourceCommand({ResourceARN: arnOf(name)}))).Tags?.length;
		expect(await count()).toBe(50);
		// Replacing a value keeps the count at 50.
		await harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {'key-00': 'again'}}));
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {'one-more': 'x'}})),
			'InvalidArgumentException',
			// AWS's text says 10 though it allows 50, as kinesalite's suite recorded it (test/addTagsToStream.js).
			`Failed to add tags to stream ${name} under account ${ACCOUNT} because a given stream cannot have more than 10 tags associated with it.`,
		);
		expect(await count()).toBe(50);
	});

	it('refuses tag keys and values outside their lengths, reporting the map once for keys and once for values', async () => {
		const name = uniqueName('tag-lengths');
		await createStream(harness.client, name);
		const longKey = 'k'.repeat(129);
		const keyRule =
			'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]';
		const valueRule =
			'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]';
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {[longKey]: 'v'}})),
			'ValidationException',
			`1 validation error detected: Value '{${longKey}=v}' at 'tags' failed to satisfy constraint: ${keyRule}`,
		);
		const longValue = 'v'.repeat(257);
		await expectError(
			harness.client.send(new TagResourceCommand({ResourceARN: arnOf(name), Tags: {a: longValue, b: longValue}})),
			'ValidationException',
			`1 validation error detected: Value '{a=${longValue}, b=${longValue}}' at 'tags' failed to satisfy constraint: ${valueRule}`,
		);
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {'': longValue}})),
			'ValidationException',
			`2 validation errors detected: Value '{=${longValue}}' at 'tags' failed to satisfy constraint: ${keyRule}; Value '{=${longValue}}' at 'tags' failed to satisfy constraint: ${valueRule}`,
		);
		expect(await tagsOf(name)).toEqual([]);
		// At the limits, both are fine.
		await harness.client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {['k'.repeat(128)]: 'v'.repeat(256)}}));
		expect(await tagsOf(name)).toEqual([{Key: 'k'.repeat(128), Value: 'v'.repeat(256)}]);
	});

	it('validates tag lists with AWS messages', async () => {
		await expectError(
			harness.client.send(new AddTagsToStreamCommand({StreamName: 'fine', Tags: {}})),
			'ValidationException',
			"1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
		);
		await expectError(
			harness.client.send(new RemoveTagsFromStreamCommand({StreamName: 'fine', TagKeys: []})),
			'ValidationException',
			"1 validation error detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1",
		);
	});
});

import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateEventSourceMappingCommand,
	DeleteEventSourceMappingCommand,
	GetEventSourceMappingCommand,
	LambdaClient,
	ListEventSourceMappingsCommand,
	UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {credentials, startEngine} from '../helpers/engine.js';
import {FakeClock} from './support.js';

const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
// The engine's clock: states change when the test says so, not when a loaded machine gets round to it.
const clock = new FakeClock();
const wait = (ms: number) => clock.advance(ms);

/** The engine's Lambda event source mappings, through the real Lambda client (REST-JSON on the engine's port). */
describe('Lambda event source mappings on the engine', () => {
	let engine: Engine;
	let lambda: LambdaClient;

	beforeAll(async () => {
		engine = await startEngine({eventSourceMappingMs: 150, now: clock.now});
		lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
	});
	afterAll(async () => {
		lambda.destroy();
		await engine.close();
	});

	it("creates a mapping with AWS's defaults, Creating then Enabled, that says it has processed nothing", async () => {
		const created = await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: STREAM, StartingPosition: 'LATEST'}),
		);
		expect(created).toMatchObject({
			State: 'Creating',
			StateTransitionReason: 'User action',
			FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:enrich',
			EventSourceArn: STREAM,
			StartingPosition: 'LATEST',
			BatchSize: 100,
			MaximumBatchingWindowInSeconds: 0,
			ParallelizationFactor: 1,
			BisectBatchOnFunctionError: false,
			MaximumRetryAttempts: -1,
			MaximumRecordAgeInSeconds: -1,
			LastProcessingResult: 'No records processed',
			DestinationConfig: {},
		});
		expect(created.LastModified).toBeInstanceOf(Date);
		wait(200);
		const got = await lambda.send(new GetEventSourceMappingCommand({UUID: created.UUID}));
		expect(got.State).toBe('Enabled');
		expect(got.LastProcessingResult).toBe('No records processed');
	});

	it('lists by stream and by function, pauses (Disabling, Disabled) and resumes (Enabling, Enabled), and deletes (Deleting, then gone)', async () => {
		const created = await lambda.send(
			new CreateEventSourceMappingCommand({
				FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:archive',
				EventSourceArn: STREAM,
				StartingPosition: 'TRIM_HORIZON',
				BatchSize: 500,
				MaximumBatchingWindowInSeconds: 5,
				ParallelizationFactor: 4,
				BisectBatchOnFunctionError: true,
				MaximumRetryAttempts: 3,
				MaximumRecordAgeInSeconds: 3600,
				DestinationConfig: {OnFailure: {Destination: 'arn:aws:sqs:us-east-1:000000000000:archive-dlq'}},
			}),
		);
		const uuid = created.UUID ?? '';
		const byStream = await lambda.send(new ListEventSourceMappingsCommand({EventSourceArn: STREAM}));
		expect(byStream.EventSourceMappings?.map((mapping) => mapping.FunctionArn).sort()).toEqual([
			'arn:aws:lambda:us-east-1:000000000000:function:archive',
			'arn:aws:lambda:us-east-1:000000000000:function:enrich',
		]);
		const byFunction = await lambda.send(new ListEventSourceMappingsCommand({FunctionName: 'archive'}));
		expect(byFunction.EventSourceMappings?.map((mapping) => mapping.UUID)).toEqual([uuid]);
		const paged = await lambda.send(new ListEventSourceMappingsCommand({EventSourceArn: STREAM, MaxItems: 1}));
		expect(paged.EventSourceMappings).toHaveLength(1);
		expect(paged.NextMarker).toBeDefined();

		// In Creating, a change is refused.
		await expect(lambda.send(new UpdateEventSourceMappingCommand({UUID: uuid, Enabled: false}))).rejects.toMatchObject({
			name: 'ResourceInUseException',
		});
		wait(200);
		const pausing = await lambda.send(new UpdateEventSourceMappingCommand({UUID: uuid, Enabled: false}));
		expect(pausing).toMatchObject({State: 'Disabling', BatchSize: 500, ParallelizationFactor: 4, MaximumRetryAttempts: 3});
		expect(pausing.DestinationConfig).toEqual({OnFailure: {Destination: 'arn:aws:sqs:us-east-1:000000000000:archive-dlq'}});
		wait(200);
		expect((await lambda.send(new GetEventSourceMappingCommand({UUID: uuid}))).State).toBe('Disabled');
		expect((await lambda.send(new UpdateEventSourceMappingCommand({UUID: uuid, Enabled: true}))).State).toBe('Enabling');
		wait(200);
		expect((await lambda.send(new GetEventSourceMappingCommand({UUID: uuid}))).State).toBe('Enabled');

		expect((await lambda.send(new DeleteEventSourceMappingCommand({UUID: uuid}))).State).toBe('Deleting');
		wait(200);
		await expect(lambda.send(new GetEventSourceMappingCommand({UUID: uuid}))).rejects.toMatchObject({
			name: 'ResourceNotFoundException',
			$metadata: {httpStatusCode: 404},
		});
	});

	it('refuses what AWS refuses: a second mapping of the same function and stream, no StartingPosition, values out of range', async () => {
		await expect(
			lambda.send(new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: STREAM, StartingPosition: 'LATEST'})),
		).rejects.toMatchObject({name: 'ResourceConflictException', $metadata: {httpStatusCode: 409}});
		await expect(lambda.send(new CreateEventSourceMappingCommand({FunctionName: 'other', EventSourceArn: STREAM}))).rejects.toMatchObject({
			name: 'InvalidParameterValueException',
		});
		await expect(
			lambda.send(
				new CreateEventSourceMappingCommand({FunctionName: 'other', EventSourceArn: STREAM, StartingPosition: 'LATEST', BatchSize: 10_001}),
			),
		).rejects.toMatchObject({
			name: 'ValidationException',
			message:
				"1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000",
		});
		await expect(
			lambda.send(
				new CreateEventSourceMappingCommand({
					FunctionName: 'other',
					EventSourceArn: STREAM,
					StartingPosition: 'LATEST',
					MaximumRecordAgeInSeconds: 30,
				}),
			),
		).rejects.toMatchObject({name: 'InvalidParameterValueException'});
		await expect(lambda.send(new GetEventSourceMappingCommand({UUID: '00000000-0000-0000-0000-000000000000'}))).rejects.toMatchObject({
			name: 'ResourceNotFoundException',
		});
	});
});

describe('Lambda event source mappings across a restart', () => {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
	});

	it('keeps every mapping, its settings, its state and its deletion in the data directory', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'engine-lambda-'));
		dirs.push(dir);
		const restartClock = new FakeClock();
		let engine = await startEngine({dataDir: dir, eventSourceMappingMs: 150, now: restartClock.now});
		let lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		const kept = await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: STREAM, StartingPosition: 'LATEST', BatchSize: 300}),
		);
		const deleted = await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'archive', EventSourceArn: STREAM, StartingPosition: 'TRIM_HORIZON'}),
		);
		restartClock.advance(200);
		await lambda.send(new UpdateEventSourceMappingCommand({UUID: kept.UUID, Enabled: false}));
		restartClock.advance(200);
		await lambda.send(new DeleteEventSourceMappingCommand({UUID: deleted.UUID}));
		const before = await lambda.send(new GetEventSourceMappingCommand({UUID: kept.UUID}));
		lambda.destroy();
		await engine.close();

		engine = await startEngine({dataDir: dir, eventSourceMappingMs: 150, now: restartClock.now});
		lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		try {
			const after = await lambda.send(new GetEventSourceMappingCommand({UUID: kept.UUID}));
			const {$metadata: _before, ...keptBefore} = before;
			const {$metadata: _after, ...keptAfter} = after;
			expect(keptAfter).toEqual(keptBefore);
			expect(keptAfter).toMatchObject({State: 'Disabled', BatchSize: 300});
			expect((await lambda.send(new GetEventSourceMappingCommand({UUID: deleted.UUID}))).State).toBe('Deleting');
			restartClock.advance(200);
			const listed = await lambda.send(new ListEventSourceMappingsCommand({EventSourceArn: STREAM}));
			expect(listed.EventSourceMappings?.map((mapping) => mapping.UUID)).toEqual([kept.UUID]);
		} finally {
			lambda.destroy();
			await engine.close();
		}
	});
});

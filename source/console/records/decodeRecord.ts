import {decodeContent, decoderSettings} from './decoders.js';
import {deaggregate, hasKplMagic} from './kpl.js';
import type {DecodedRecord, DecodeOptions} from './types.js';

/**
 * Decodes one Kinesis record's data for display. A KPL aggregate is first split into its user
 * records (unless `deaggregate: false`), and each user record's data is decoded with the chosen
 * decoder; otherwise the result is one record carrying the keys given in the options.
 * Never throws on bad data: what could not be done is said in `notes`.
 */
export function decodeRecord(data: Uint8Array, options: DecodeOptions = {}): DecodedRecord[] {
	const decoder = options.decoder ?? 'auto';
	const settings = decoderSettings(options);
	let notes: string[] | undefined;
	if ((options.deaggregate ?? true) && hasKplMagic(data)) {
		const aggregate = deaggregate(data);
		if (aggregate.kind === 'aggregated' && aggregate.records.length > 0) {
			return aggregate.records.map((user) => ({
				...decodeContent(user.data, decoder, settings),
				partitionKey: user.partitionKey,
				...(user.explicitHashKey === undefined ? {} : {explicitHashKey: user.explicitHashKey}),
				subSequenceNumber: user.subSequenceNumber,
			}));
		}
		if (aggregate.kind === 'aggregated') notes = ['a KPL aggregate with no user records: shown as it is'];
		if (aggregate.kind === 'invalid') notes = [`${aggregate.reason}: shown as a plain record, as the KCL does`];
	}
	// The decoders make a new object for each record: what the options add is set on it, with no copy (a tail decodes every record).
	const record = decodeContent(data, decoder, settings) as {-readonly [K in keyof DecodedRecord]: DecodedRecord[K]};
	if (options.partitionKey !== undefined) record.partitionKey = options.partitionKey;
	if (options.explicitHashKey !== undefined) record.explicitHashKey = options.explicitHashKey;
	if (notes) record.notes = [...notes, ...(record.notes ?? [])];
	return [record];
}

import {decodeContent, decoderSettings} from './decoders.js';
import {deaggregate} from './kpl.js';
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
	const notes: string[] = [];
	if (options.deaggregate ?? true) {
		const aggregate = deaggregate(data);
		if (aggregate.kind === 'aggregated' && aggregate.records.length > 0) {
			return aggregate.records.map((user) => ({
				...decodeContent(user.data, decoder, settings),
				partitionKey: user.partitionKey,
				...(user.explicitHashKey === undefined ? {} : {explicitHashKey: user.explicitHashKey}),
				subSequenceNumber: user.subSequenceNumber,
			}));
		}
		if (aggregate.kind === 'aggregated') notes.push('a KPL aggregate with no user records: shown as it is');
		if (aggregate.kind === 'invalid') notes.push(`${aggregate.reason}: shown as a plain record, as the KCL does`);
	}
	// One copy of the decoded content per record, with what the options add set on it: a tail decodes every record.
	const record: {-readonly [K in keyof DecodedRecord]: DecodedRecord[K]} = {...decodeContent(data, decoder, settings)};
	if (options.partitionKey !== undefined) record.partitionKey = options.partitionKey;
	if (options.explicitHashKey !== undefined) record.explicitHashKey = options.explicitHashKey;
	if (notes.length > 0) record.notes = [...notes, ...(record.notes ?? [])];
	return [record];
}

import {serializationError, validationError} from './errors.js';

/**
 * Declarative request schemas, checked the way AWS's front end checks them: first the JSON types
 * (a wrong type is a SerializationException), then the constraints of the service model, all of
 * them reported together in one ValidationException ("2 validation errors detected: ...").
 */
type Common = {readonly required?: boolean};
export type StringField = Common & {
	readonly type: 'String';
	readonly min?: number;
	readonly max?: number;
	readonly pattern?: string;
	readonly enum?: readonly string[];
};
export type NumberField = Common & {readonly type: 'Integer' | 'Long'; readonly minValue?: number; readonly maxValue?: number};
export type DoubleField = Common & {readonly type: 'Double'};
export type BooleanField = Common & {readonly type: 'Boolean'};
export type BlobField = Common & {readonly type: 'Blob'; readonly max?: number};
export type TimestampField = Common & {readonly type: 'Timestamp'};
export type ListField = Common & {
	readonly type: 'List';
	readonly member: Field;
	readonly min?: number;
	readonly max?: number;
	/** How AWS prints a member of this list in a message (the Java object's toString). */
	readonly memberText?: string;
};
export type MapField = Common & {
	readonly type: 'Map';
	readonly key: StringField;
	readonly value: Field;
	readonly min?: number;
	readonly max?: number;
};
export type StructureField = Common & {readonly type: 'Structure'; readonly members: Schema};
export type Field =
	StringField | NumberField | DoubleField | BooleanField | BlobField | TimestampField | ListField | MapField | StructureField;
export type Schema = Readonly<Record<string, Field>>;

type ValueOf<F extends Field> = F extends StringField
	? string
	: F extends NumberField | DoubleField
		? number
		: F extends BooleanField
			? boolean
			: F extends BlobField
				? Buffer
				: F extends TimestampField
					? Date
					: F extends ListField
						? Array<ValueOf<F['member']>>
						: F extends MapField
							? Record<string, ValueOf<F['value']>>
							: F extends StructureField
								? Infer<F['members']>
								: never;
type RequiredKeys<S extends Schema> = {[K in keyof S]: S[K] extends {required: true} ? K : never}[keyof S];
/** The request type a schema accepts, after checking: required members are present. */
export type Infer<S extends Schema> = {[K in RequiredKeys<S>]: ValueOf<S[K]>} & {
	[K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]>;
};

const MAX_ERRORS = 10;

/** Checks a decoded request body against a schema and returns the typed input, or throws AWS's error. */
export function parseInput<S extends Schema>(schema: S, body: unknown): Infer<S> {
	// A CBOR byte string or timestamp is no structure either, though JavaScript calls it an object.
	if (describeJsonType(body) !== 'map') {
		throw serializationError('Start of structure or map found where not expected.');
	}
	const input = convertStructure(schema, body as Record<string, unknown>);
	const check: Check = {errors: [], at: []};
	checkStructure(schema, input, check);
	const {errors} = check;
	if (errors.length > 0) {
		const count = errors.length;
		throw validationError(`${count} validation error${count > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
	}
	return input as Infer<S>;
}

function convertStructure(schema: Schema, raw: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const {name, field} of membersOf(schema)) {
		const value = raw[name];
		if (value === null || value === undefined) continue;
		out[name] = convert(field, value);
	}
	return out;
}

function describeJsonType(value: unknown): 'list' | 'map' | 'other' {
	if (Array.isArray(value)) return 'list';
	if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date)) return 'map';
	return 'other';
}

function notExpected(value: unknown): never {
	throw serializationError(
		describeJsonType(value) === 'list' ? 'Start of list found where not expected' : 'Start of structure or map found where not expected.',
	);
}

const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const INTEGER_LIMITS = {Integer: 2_147_483_647, Long: Number.MAX_SAFE_INTEGER};

function convert(field: Field, value: unknown): unknown {
	switch (field.type) {
		case 'String':
			if (typeof value === 'string') return value;
			if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to an String');
			if (typeof value === 'number') throw serializationError(`${NUMBER_CLASS} can not be converted to an String`);
			return notExpected(value);
		case 'Integer':
		case 'Long':
			if (typeof value === 'number' && Number.isFinite(value)) return Math.min(Math.floor(value), INTEGER_LIMITS[field.type]);
			if (typeof value === 'boolean') throw serializationError(`class java.lang.Boolean can not be converted to an ${field.type}`);
			if (typeof value === 'string') throw serializationError(`class java.lang.String can not be converted to an ${field.type}`);
			if (typeof value === 'number') throw serializationError(`${NUMBER_CLASS} can not be converted to an ${field.type}`);
			return notExpected(value);
		case 'Double':
			if (typeof value === 'number' && Number.isFinite(value)) return value;
			if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to an Double');
			if (typeof value === 'string') throw serializationError('class java.lang.String can not be converted to an Double');
			return notExpected(value);
		case 'Boolean':
			if (typeof value === 'boolean') return value;
			if (typeof value === 'number') throw serializationError(`${NUMBER_CLASS} can not be converted to an Boolean`);
			if (typeof value === 'string') throw serializationError(`'${value.toUpperCase()}' can not be converted to an Boolean`);
			return notExpected(value);
		case 'Blob':
			return convertBlob(value);
		case 'Timestamp':
			if (value instanceof Date) return value;
			if (typeof value === 'number' && Number.isFinite(value)) return new Date(Math.round(value * 1000));
			if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to milliseconds since epoch');
			if (typeof value === 'string') throw serializationError('class java.lang.String can not be converted to milliseconds since epoch');
			return notExpected(value);
		case 'List':
			if (!Array.isArray(value)) {
				if (describeJsonType(value) === 'map') notExpected(value);
				throw serializationError('Expected list or null');
			}
			return value.map((item) => (item === null || item === undefined ? null : convert(field.member, item)));
		case 'Map': {
			if (describeJsonType(value) !== 'map') {
				if (Array.isArray(value)) notExpected(value);
				throw serializationError('Expected map or null');
			}
			// fromEntries defines each key, so that a tag named `__proto__` stays a tag rather than setting a prototype.
			return Object.fromEntries(
				Object.entries(value as Record<string, unknown>)
					.filter(([, item]) => item !== null && item !== undefined)
					.map(([key, item]) => [key, convert(field.value, item)]),
			);
		}
		case 'Structure':
			if (describeJsonType(value) !== 'map') {
				if (Array.isArray(value)) notExpected(value);
				throw serializationError('Expected null');
			}
			return convertStructure(field.members, value as Record<string, unknown>);
	}
}

const BASE64_CHARS = /[^A-Za-z0-9+/=]|=[^=]/;

function convertBlob(value: unknown): Buffer {
	if (Buffer.isBuffer(value)) return value;
	if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
	if (typeof value === 'boolean') throw serializationError('class java.lang.Boolean can not be converted to a Blob');
	if (typeof value === 'number') throw serializationError(`${NUMBER_CLASS} can not be converted to a Blob`);
	if (typeof value !== 'string') return notExpected(value);
	const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
	if (value.length % 4 !== 0) {
		throw serializationError(
			`'${shown}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`,
		);
	}
	const bytes = Buffer.from(value, 'base64');
	// The common case costs one decode: Node skips characters outside base64 (so the length comes out
	// short) but accepts the URL-safe ones, which AWS refuses; any doubt takes the slow, exact path.
	const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
	const clean = bytes.length === (value.length / 4) * 3 - padding && !value.includes('-') && !value.includes('_');
	if (clean && padBitsClear(value, padding)) return bytes;
	const bad = BASE64_CHARS.exec(value);
	if (bad) throw serializationError(`'${shown}' can not be converted to a Blob: Invalid Base64 character: '${bad[0][0]}'`);
	// Node ignores non-zero padding bits; AWS refuses them.
	if (value.length > 0 && !tailMatches(bytes, value)) {
		throw serializationError(`'${shown}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`);
	}
	return bytes;
}

export const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** True when the bits after the data in the last character before padding are zero, as they must be. */
function padBitsClear(text: string, padding: number): boolean {
	if (padding === 0) return true;
	const last = BASE64_ALPHABET.indexOf(text.charAt(text.length - padding - 1));
	return last >= 0 && (last & (padding === 2 ? 0x0f : 0x03)) === 0;
}

/** True when re-encoding the last group of bytes gives back the last four characters. */
function tailMatches(bytes: Buffer, text: string): boolean {
	const lastGroupStart = Math.floor((bytes.length - 1) / 3) * 3;
	return bytes.subarray(Math.max(0, lastGroupStart)).toString('base64') === text.slice(-4);
}

// PutRecords checks 500 records a call: the per-schema and per-field work is done once and cached.
// Objects, not [name, path, field] tuples: destructuring a tuple goes through an iterator each time.
interface Member {
	readonly name: string;
	readonly path: string;
	readonly field: Field;
}
const memberLists = new WeakMap<Schema, readonly Member[]>();
function membersOf(schema: Schema): readonly Member[] {
	let members = memberLists.get(schema);
	if (!members) {
		members = Object.entries(schema).map(([name, field]) => ({name, path: lowerFirst(name), field}));
		memberLists.set(schema, members);
	}
	return members;
}
const requiredMembers = new WeakMap<ListField, Field>();
function requiredMemberOf(field: ListField): Field {
	let member = requiredMembers.get(field);
	if (!member) {
		member = {...field.member, required: true};
		requiredMembers.set(field, member);
	}
	return member;
}

/**
 * What a check has found, and where it is: the path of the value being checked, as steps pushed and
 * popped on the way down (a member's name, or a list item's index), made into text only for a message.
 */
interface Check {
	readonly errors: string[];
	readonly at: Array<string | number>;
}

function checkStructure(schema: Schema, input: Record<string, unknown>, check: Check): void {
	const members = membersOf(schema);
	for (let index = 0; index < members.length; index++) {
		const {name, path, field} = members[index] as Member;
		check.at.push(path);
		checkField(field, input[name], check);
		check.at.pop();
	}
}

// Longer than 80 lines on purpose: one switch over the field types, each case a few lines of AWS's
// constraints in the order AWS checks them; the order is the point, and it reads best in one place.
function checkField(field: Field, value: unknown, check: Check): void {
	if (value === null || value === undefined) {
		if (field.required) report(check, field, value, 'Member must not be null');
		return;
	}
	switch (field.type) {
		case 'String': {
			const text = value as string;
			// AWS reports a broken pattern before a broken length: "Value '' at 'streamName'" lists both, pattern first.
			if (field.pattern !== undefined && !anchored(field.pattern).test(text)) {
				report(check, field, value, `Member must satisfy regular expression pattern: ${field.pattern}`);
			}
			if (field.max !== undefined && text.length > field.max)
				report(check, field, value, `Member must have length less than or equal to ${field.max}`);
			if (field.min !== undefined && text.length < field.min)
				report(check, field, value, `Member must have length greater than or equal to ${field.min}`);
			if (field.enum !== undefined && !field.enum.includes(text))
				report(check, field, value, `Member must satisfy enum value set: [${field.enum.join(', ')}]`);
			return;
		}
		case 'Integer':
		case 'Long': {
			const number = value as number;
			if (field.maxValue !== undefined && number > field.maxValue)
				report(check, field, value, `Member must have value less than or equal to ${field.maxValue}`);
			if (field.minValue !== undefined && number < field.minValue)
				report(check, field, value, `Member must have value greater than or equal to ${field.minValue}`);
			return;
		}
		case 'Blob': {
			const bytes = value as Buffer;
			if (field.max !== undefined && bytes.length > field.max)
				report(check, field, value, `Member must have length less than or equal to ${field.max}`);
			return;
		}
		case 'List': {
			const items = value as unknown[];
			if (field.max !== undefined && items.length > field.max)
				report(check, field, value, `Member must have length less than or equal to ${field.max}`);
			if (field.min !== undefined && items.length < field.min)
				report(check, field, value, `Member must have length greater than or equal to ${field.min}`);
			// A list of strings is reported once, listing every constraint of its members, as a map's keys are
			// (kinesalite's suite recorded it: test/removeTagsFromStream.js, "long TagKey"); a list of structures, member by member.
			const stringMember = field.member.type === 'String' ? field.member : undefined;
			if (stringMember && items.some((item) => typeof item === 'string' && breaksString(stringMember, item))) {
				report(check, field, value, `Member must satisfy constraint: [${constraintsOf(stringMember)}]`);
			}
			const member = requiredMemberOf(field);
			for (let index = 0; index < items.length; index++) {
				if (stringMember && typeof items[index] === 'string') continue;
				check.at.push(index);
				checkField(member, items[index], check);
				check.at.pop();
			}
			return;
		}
		case 'Map': {
			const entries = Object.entries(value as Record<string, unknown>);
			if (field.max !== undefined && entries.length > field.max)
				report(check, field, value, `Member must have length less than or equal to ${field.max}`);
			if (field.min !== undefined && entries.length < field.min)
				report(check, field, value, `Member must have length greater than or equal to ${field.min}`);
			// AWS reports a map once for its keys and once for its values, listing every constraint of each.
			if (entries.some(([key]) => breaksString(field.key, key)))
				report(check, field, value, `Map keys must satisfy constraint: [${constraintsOf(field.key)}]`);
			if (field.value.type === 'String') {
				const valueField = field.value;
				if (entries.some(([, item]) => breaksString(valueField, item as string))) {
					report(check, field, value, `Map value must satisfy constraint: [${constraintsOf(valueField)}]`);
				}
			} else {
				for (const [key, item] of entries) {
					check.at.push(`${key}.member`);
					checkField(field.value, item, check);
					check.at.pop();
				}
			}
			return;
		}
		case 'Structure':
			checkStructure(field.members, value as Record<string, unknown>, check);
			return;
		case 'Boolean':
		case 'Double':
		case 'Timestamp':
			return;
	}
}

function report(check: Check, field: Field, value: unknown, constraint: string): void {
	if (check.errors.length >= MAX_ERRORS) return;
	// AWS numbers list items from 1: records.1.member.data.
	const path = check.at.map((step) => (typeof step === 'number' ? `${step + 1}.member` : step)).join('.');
	check.errors.push(`Value ${show(field, value)} at '${path}' failed to satisfy constraint: ${constraint}`);
}

/** Whether a string breaks any of its member's constraints (length, pattern, enum). */
export function breaksString(field: StringField, text: string): boolean {
	return (
		breaksLength(field, text.length) ||
		(field.pattern !== undefined && !anchored(field.pattern).test(text)) ||
		(field.enum !== undefined && !field.enum.includes(text))
	);
}

/** Whether a string of this many characters breaks its member's length constraints. */
export const breaksLength = (field: StringField, length: number): boolean =>
	(field.max !== undefined && length > field.max) || (field.min !== undefined && length < field.min);

/** A string member's constraints as AWS lists them for map keys and values: lengths, then pattern. */
function constraintsOf(field: StringField): string {
	return [
		field.max === undefined ? undefined : `Member must have length less than or equal to ${field.max}`,
		field.min === undefined ? undefined : `Member must have length greater than or equal to ${field.min}`,
		field.pattern === undefined ? undefined : `Member must satisfy regular expression pattern: ${field.pattern}`,
		field.enum === undefined ? undefined : `Member must satisfy enum value set: [${field.enum.join(', ')}]`,
	]
		.filter((part) => part !== undefined)
		.join(', ');
}

const patterns = new Map<string, RegExp>();
function anchored(pattern: string): RegExp {
	let regex = patterns.get(pattern);
	if (!regex) {
		regex = new RegExp(`^(?:${pattern})$`, 's');
		patterns.set(pattern, regex);
	}
	return regex;
}

function show(field: Field, value: unknown): string {
	if (value === null || value === undefined) return 'null';
	switch (field.type) {
		case 'Blob': {
			const length = (value as Buffer).length;
			return `'java.nio.HeapByteBuffer[pos=0 lim=${length} cap=${length}]'`;
		}
		case 'List':
			return `'[${(value as unknown[]).map((item) => field.memberText ?? String(item)).join(', ')}]'`;
		case 'Map':
			return `'{${Object.entries(value as Record<string, unknown>)
				.map(([key, item]) => `${key}=${String(item)}`)
				.join(', ')}}'`;
		case 'Timestamp':
			return `'${(value as Date).toISOString()}'`;
		default:
			return `'${String(value)}'`;
	}
}

export function lowerFirst(name: string): string {
	return name.charAt(0).toLowerCase() + name.slice(1);
}

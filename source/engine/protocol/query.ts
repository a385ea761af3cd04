import {ServiceError} from './errors.js';
import type {Field, Schema} from './schema.js';
import {Blob, Timestamp} from './values.js';

/**
 * AWS's query protocol, as CloudWatch's older clients speak it (aws-sdk v2 for JavaScript, boto3):
 * `POST /` with a form-encoded body `Action=GetMetricData&Version=2010-08-01&...`, nested members as
 * dotted names (`MetricDataQueries.member.1.MetricStat.Period=60`), and XML answers. This module only
 * translates: a form into the same input the JSON body would give, and an operation's output or error
 * into XML. The shapes follow the awsQuery service model (aws-sdk v2, apis/monitoring-2010-08-01.min.json):
 * lists as `Name.member.N`, maps as `Name.entry.N.key` / `Name.entry.N.value`, timestamps in ISO 8601.
 */
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const XML_CONTENT_TYPE = 'text/xml';

/** A service's query protocol: the API version its `Version` parameter must name, and its XML namespace. */
export interface QueryProtocol {
	readonly version: string;
	readonly xmlNamespace: string;
}

/** The form's parameters; a name given twice keeps its first value. */
export function readForm(body: Buffer): Map<string, string> {
	const params = new Map<string, string>();
	for (const [name, value] of new URLSearchParams(body.toString('utf8'))) if (!params.has(name)) params.set(name, value);
	return params;
}

// Query-protocol errors are named by their code; the ones AWS documents for every query API:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html
export const missingAction = () => new ServiceError('MissingAction', 'Missing Action');
// As STS (a query API on the same front end) words it; see gaul/s3proxy's STS emulation for the same text.
export const invalidAction = (action: string, version: string | undefined) =>
	new ServiceError('InvalidAction', `Could not find operation ${action} for version ${version ?? '(none)'}`);
const invalidValue = (value: string, parameter: string, expected: string) =>
	new ServiceError('InvalidParameterValue', `The value ${value} for parameter ${parameter} is invalid: expected ${expected}.`);

/** One dotted name's place in the tree of parameters: `A.member.1.B` is A → member → 1 → B. */
interface ParamNode {
	value?: string;
	readonly children: Map<string, ParamNode>;
}

/**
 * The structure a schema describes, from a form's parameters, in the types the JSON codec gives
 * (numbers, booleans, Dates, arrays): parseInput then checks it exactly as it checks a JSON body.
 */
export function queryInput(schema: Schema, params: ReadonlyMap<string, string>): Record<string, unknown> {
	const root: ParamNode = {children: new Map()};
	for (const [name, value] of params) {
		let node = root;
		for (const step of name.split('.')) {
			let child = node.children.get(step);
			if (!child) node.children.set(step, (child = {children: new Map()}));
			node = child;
		}
		node.value = value;
	}
	return structureOf(schema, root, '');
}

function structureOf(schema: Schema, node: ParamNode, prefix: string): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [name, field] of Object.entries(schema)) {
		const child = node.children.get(name);
		if (child) out[name] = valueOf(field, child, `${prefix}${name}`);
	}
	return out;
}

function valueOf(field: Field, node: ParamNode, path: string): unknown {
	const text = node.value ?? '';
	switch (field.type) {
		case 'String':
			return text;
		case 'Blob':
			// Base64 text, as in JSON: the schema's reader decodes and checks it.
			return text;
		case 'Integer':
		case 'Long':
			if (!/^[-+]?\d+$/.test(text)) throw invalidValue(text, path, 'an integer');
			return Number(text);
		case 'Double': {
			const number = text.trim() === '' ? Number.NaN : Number(text);
			if (!Number.isFinite(number)) throw invalidValue(text, path, 'a number');
			return number;
		}
		case 'Boolean':
			if (text !== 'true' && text !== 'false') throw invalidValue(text, path, 'true or false');
			return text === 'true';
		case 'Timestamp':
			return timestampOf(text, path);
		case 'Structure':
			return structureOf(field.members, node, `${path}.`);
		case 'List':
			// `Name=` with nothing under it is how clients send an empty list.
			return indexed(node.children.get('member')).map(([index, item]) => valueOf(field.member, item, `${path}.member.${index}`));
		case 'Map':
			return Object.fromEntries(
				indexed(node.children.get('entry')).map(([index, entry]) => {
					const key = entry.children.get('key')?.value;
					if (key === undefined) throw new ServiceError('MissingParameter', `The parameter ${path}.entry.${index}.key is required.`);
					const item = entry.children.get('value');
					return [key, item ? valueOf(field.value, item, `${path}.entry.${index}.value`) : null];
				}),
			);
	}
}

/** The numbered children of a list or map node (`member.1`, `member.2`, ...), in their numbers' order. */
function indexed(node: ParamNode | undefined): Array<[number, ParamNode]> {
	if (!node) return [];
	const items: Array<[number, ParamNode]> = [];
	for (const [step, child] of node.children) {
		if (!/^[1-9]\d*$/.test(step))
			throw new ServiceError('InvalidQueryParameter', `The list or map index ${step} is not a positive number.`);
		items.push([Number(step), child]);
	}
	return items.sort(([a], [b]) => a - b);
}

// ISO 8601 as clients send it (2024-01-15T12:00:00Z, with or without fractions or an offset); epoch seconds are taken too.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

function timestampOf(text: string, path: string): Date {
	if (ISO_8601.test(text)) {
		const ms = Date.parse(text);
		if (!Number.isNaN(ms)) return new Date(ms);
	} else if (/^\d+(?:\.\d+)?$/.test(text)) {
		return new Date(Math.round(Number(text) * 1000));
	}
	throw invalidValue(text, path, 'a timestamp in ISO 8601');
}

/**
 * An operation's answer: `<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>...`; an
 * operation with nothing to say (PutMetricData) has no Result element, as its output shape has no members.
 */
export function xmlAnswer(operation: string, protocol: QueryProtocol, output: object, requestId: string): string {
	const result = Object.keys(output).length === 0 ? '' : `<${operation}Result>${xmlMembers(output)}</${operation}Result>`;
	return (
		`<${operation}Response xmlns="${protocol.xmlNamespace}">${result}` +
		`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>\n`
	);
}

/** An error, as query APIs shape it; `Receiver` for the service's own faults, `Sender` for the request's. */
export function xmlError(protocol: QueryProtocol, code: string, message: string, status: number, requestId: string): string {
	return (
		`<ErrorResponse xmlns="${protocol.xmlNamespace}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
		`<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
		`<RequestId>${requestId}</RequestId></ErrorResponse>\n`
	);
}

function xmlMembers(value: object): string {
	let out = '';
	for (const [name, member] of Object.entries(value)) {
		if (member === undefined || member === null) continue;
		out += `<${name}>${xmlValue(member)}</${name}>`;
	}
	return out;
}

function xmlValue(value: unknown): string {
	if (Array.isArray(value)) return value.map((item) => `<member>${xmlValue(item)}</member>`).join('');
	if (value instanceof Timestamp) return isoOf(value.ms);
	if (value instanceof Date) return isoOf(value.getTime());
	if (value instanceof Blob) return value.bytes.toString('base64');
	if (typeof value === 'number') return doubleText(value);
	if (typeof value === 'object' && value !== null) return xmlMembers(value);
	return escapeXml(String(value));
}

/** 2024-01-15T12:00:00Z, with milliseconds only when there are some. */
const isoOf = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** As Java prints a double, which AWS's answers show (`<Sum>3.0</Sum>`), for the common whole values; others as JavaScript does. */
const doubleText = (value: number) => (Number.isInteger(value) && Math.abs(value) < 1e7 ? value.toFixed(1) : String(value));

// Text content only (no value goes into an attribute): quotes stay as they are, as in AWS's answers.
const XML_ESCAPES: Readonly<Record<string, string>> = {'&': '&amp;', '<': '&lt;', '>': '&gt;'};
const escapeXml = (text: string) => text.replace(/[&<>]/g, (char) => XML_ESCAPES[char] ?? char);

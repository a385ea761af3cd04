import {ServiceError, invalidArgument} from '../../protocol/errors.js';

/** NextToken values: opaque to clients, tied to the stream they page, and valid for 300 seconds as on AWS. */
const TOKEN_TTL_MS = 300_000;

interface PageToken {
	readonly region: string;
	readonly streamName: string;
	readonly streamCreatedMs: number;
	/** The last item already returned. */
	readonly after: string;
	readonly issuedMs: number;
	/** Filter state that must hold across pages. */
	readonly extra?: string;
}

export const encodePageToken = (token: PageToken): string => Buffer.from(JSON.stringify(token), 'utf8').toString('base64');

export function decodePageToken(text: string, nowMs: number): PageToken {
	let token: PageToken;
	try {
		token = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as PageToken;
	} catch {
		throw invalidArgument('Invalid NextToken.');
	}
	if (typeof token?.after !== 'string' || typeof token.streamName !== 'string' || typeof token.issuedMs !== 'number') {
		throw invalidArgument('Invalid NextToken.');
	}
	if (nowMs - token.issuedMs > TOKEN_TTL_MS) {
		throw new ServiceError('ExpiredNextTokenException', 'The timestamp for the NextToken has expired. Request a new NextToken.');
	}
	return token;
}

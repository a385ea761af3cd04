/**
 * An ISO 8601 time as people type it (2024-05-01, 2024-05-01T10:00:00Z, with an offset), or undefined
 * when the text is none, or names a day no month has: `new Date('2024-02-30')` is the 1st of March,
 * and a position or a reset would silently go to another day than the one typed. Without Z or an
 * offset a time is local, a day included: JavaScript reads 2024-05-01T00:00 as local and 2024-05-01 as
 * UTC, so the two would name different instants away from UTC.
 */
export function parseIsoTime(text: string): Date | undefined {
	const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
	if (!day) return undefined;
	const time = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text);
	if (Number.isNaN(time.getTime())) return undefined;
	const [year, month, date] = day.slice(1).map(Number) as [number, number, number];
	// Day 0 of the next month is the last of this one.
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return month >= 1 && month <= 12 && date >= 1 && date <= daysInMonth ? time : undefined;
}

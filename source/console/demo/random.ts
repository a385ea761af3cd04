/** A standard normal deviate (Box-Muller). */
export function gaussian(random: () => number): number {
	const u = Math.max(Number.EPSILON, random());
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

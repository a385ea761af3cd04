import {inspect, isDeepStrictEqual} from 'node:util';

/**
 * The part of should.js (https://shouldjs.github.io) that kinesalite's test/*.js use, so that the
 * suite runs without should.js installed: `value.should[.not][.be|.have].equal(...)` and the few
 * other assertions listed in `assertions` below. Installed once, as should.js installs itself: a
 * `should` getter on Object.prototype.
 */
class Assertion {
	private negated = false;

	constructor(private readonly actual: unknown) {}

	get be(): this {
		return this;
	}
	get have(): this {
		return this;
	}
	get not(): this {
		this.negated = !this.negated;
		return this;
	}

	equal(expected: unknown): this {
		return this.check(this.actual === expected, `to equal ${show(expected)}`);
	}
	eql(expected: unknown): this {
		return this.check(isDeepStrictEqual(this.actual, expected), `to eql ${show(expected)}`);
	}
	within(low: number, high: number): this {
		const actual = this.actual as number;
		return this.check(actual >= low && actual <= high, `to be within ${low}..${high}`);
	}
	above(bound: number): this {
		return this.check((this.actual as number) > bound, `to be above ${bound}`);
	}
	below(bound: number): this {
		return this.check((this.actual as number) < bound, `to be below ${bound}`);
	}
	match(pattern: RegExp): this {
		return this.check(pattern.test(String(this.actual)), `to match ${String(pattern)}`);
	}
	startWith(prefix: string): this {
		return this.check(String(this.actual).startsWith(prefix), `to start with ${show(prefix)}`);
	}
	containEql(item: unknown): this {
		const {actual} = this;
		const found =
			typeof actual === 'string'
				? actual.includes(String(item))
				: Array.isArray(actual) && actual.some((member) => isDeepStrictEqual(member, item));
		return this.check(found, `to contain ${show(item)}`);
	}
	length(expected: number): this {
		return this.check((this.actual as {length?: number}).length === expected, `to have length ${expected}`);
	}
	property(name: string): this {
		const {actual} = this;
		return this.check(actual !== null && actual !== undefined && name in Object(actual), `to have property ${name}`);
	}
	empty(): this {
		const {actual} = this;
		const size = typeof actual === 'string' || Array.isArray(actual) ? actual.length : Object.keys(Object(actual)).length;
		return this.check(size === 0, 'to be empty');
	}

	private check(passed: boolean, expectation: string): this {
		if (passed === this.negated) {
			throw new Error(`expected ${show(this.actual)} ${this.negated ? 'not ' : ''}${expectation}`);
		}
		this.negated = false;
		return this;
	}
}

const show = (value: unknown) => inspect(value, {depth: 4, breakLength: Infinity, maxStringLength: 600});

export function installShould(): void {
	if (Object.hasOwn(Object.prototype, 'should')) return;
	Object.defineProperty(Object.prototype, 'should', {
		configurable: true,
		enumerable: false,
		// A getter of strict-mode code: `this` is the primitive itself for strings and numbers, not a wrapper.
		get(this: unknown) {
			return new Assertion(this);
		},
	});
}

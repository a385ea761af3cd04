import {createHash, randomUUID} from 'node:crypto';
import type {ProducerRecord} from '../producer.js';
import {gaussian} from './random.js';

// Click events: page views and clicks keyed by user id, Zipf-distributed, the heaviest users in one hot shard.

const USERS = 2_000;
/** The Zipf exponent: the top user makes about 14% of the events, the top ten about 40%. */
const ZIPF_S = 1.1;
/** The heaviest users, all in the hot shard. */
const HEAVY_USERS = 3;
/** The shard (of a stream split evenly) the heaviest users hash into. */
const HOT_SHARD = 1;

const PAGES = [
	'/',
	'/search',
	'/products/trail-running-shoes',
	'/products/espresso-machine',
	'/products/noise-cancelling-headphones',
	'/products/standing-desk',
	'/products/4k-monitor',
	'/category/outdoor',
	'/category/kitchen',
	'/category/electronics',
	'/cart',
	'/checkout',
	'/checkout/payment',
	'/account',
	'/account/orders',
	'/help/returns',
] as const;
const REFERRERS = [
	'https://www.google.com/',
	'https://www.bing.com/',
	'https://duckduckgo.com/',
	'https://www.facebook.com/',
	'https://t.co/',
	'https://news.ycombinator.com/',
	'https://mail.example.com/',
	null,
	null,
	null,
] as const;
const ELEMENTS = [
	'add-to-cart',
	'buy-now',
	'nav-menu',
	'search-box',
	'product-card',
	'filter-price',
	'filter-brand',
	'pagination-next',
	'newsletter-signup',
	'chat-open',
] as const;
const DEVICES = [
	{type: 'mobile', os: 'iOS 17.5', browser: 'Safari'},
	{type: 'mobile', os: 'Android 14', browser: 'Chrome'},
	{type: 'desktop', os: 'Windows 11', browser: 'Chrome'},
	{type: 'desktop', os: 'macOS 14.5', browser: 'Safari'},
	{type: 'desktop', os: 'macOS 14.5', browser: 'Firefox'},
	{type: 'tablet', os: 'iPadOS 17.5', browser: 'Safari'},
	{type: 'desktop', os: 'Ubuntu 24.04', browser: 'Firefox'},
] as const;
const COUNTRIES = ['US', 'US', 'US', 'DE', 'GB', 'FR', 'IN', 'BR', 'JP', 'CA', 'NL', 'ES', 'AU', 'SE'] as const;
const CAMPAIGNS = ['spring_sale', 'newsletter_42', 'retargeting', 'brand_search'] as const;

interface UserState {
	readonly id: string;
	readonly device: (typeof DEVICES)[number];
	readonly country: string;
	session: string;
	page: string;
	/** Events of this user, numbered from 1: consumers can check per-key order with it. */
	seq: number;
	lastAt: number;
}

/** A MD5 hash key's position in the key space, as a fraction (the first 48 bits are plenty). */
function hashFraction(key: string): number {
	return createHash('md5').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

export class Clickstream {
	/** User ids by rank: the first is the busiest. */
	readonly users: readonly string[];
	private readonly cumulative: Float64Array;
	private readonly states = new Map<string, UserState>();

	constructor(
		private readonly random: () => number,
		shards: number,
	) {
		// Ids in a stable order, with the heaviest users chosen among those hashing into the hot shard.
		const ids = Array.from({length: USERS}, (_, index) => `user-${String(10_000 + ((index * 7_919) % 90_000)).padStart(5, '0')}`);
		const hot = Math.min(HOT_SHARD, shards - 1);
		const inHot = ids.filter((id) => Math.floor(hashFraction(id) * shards) === hot).slice(0, HEAVY_USERS);
		this.users = [...inHot, ...ids.filter((id) => !inHot.includes(id))];
		this.cumulative = new Float64Array(USERS);
		let sum = 0;
		for (let rank = 0; rank < USERS; rank++) this.cumulative[rank] = sum += 1 / (rank + 1) ** ZIPF_S;
		for (let rank = 0; rank < USERS; rank++) this.cumulative[rank] = this.cumulative[rank]! / sum;
	}

	/** The heaviest users, whose events all land in one shard. */
	get heavyUsers(): readonly string[] {
		return this.users.slice(0, HEAVY_USERS);
	}

	/** `count` events; each comes from a heavy user with probability `burstShare` (a burst), else by Zipf. */
	*events(count: number, burstShare = 0): Generator<ProducerRecord> {
		for (let index = 0; index < count; index++) {
			const user = this.random() < burstShare ? this.users[Math.floor(this.random() * HEAVY_USERS)]! : this.zipfUser();
			const event = this.event(user);
			yield {partitionKey: user, data: Buffer.from(JSON.stringify(event))};
		}
	}

	private zipfUser(): string {
		const target = this.random();
		let low = 0;
		let high = USERS - 1;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (this.cumulative[middle]! < target) low = middle + 1;
			else high = middle;
		}
		return this.users[low]!;
	}

	private pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.random() * items.length)]!;
	}

	private event(userId: string): Record<string, unknown> {
		const now = Date.now();
		let state = this.states.get(userId);
		let newSession = false;
		if (!state || now - state.lastAt > 30 * 60_000 || this.random() < 0.01) {
			newSession = true;
			state = {
				id: userId,
				device: state?.device ?? this.pick(DEVICES),
				country: state?.country ?? this.pick(COUNTRIES),
				session: `s-${randomUUID().slice(0, 13)}`,
				page: this.pick(PAGES.slice(0, 10)),
				seq: state?.seq ?? 0,
				lastAt: now,
			};
			this.states.set(userId, state);
		}
		state.seq++;
		state.lastAt = now;
		const referrer = newSession ? this.pick(REFERRERS) : `https://shop.example.com${state.page}`;
		const roll = this.random();
		const type = roll < 0.55 ? 'page_view' : roll < 0.85 ? 'click' : roll < 0.93 ? 'search' : roll < 0.98 ? 'add_to_cart' : 'purchase';
		if (type === 'page_view') state.page = this.pick(PAGES);
		// Latency: log-normal around 120 ms, with a long tail.
		const latencyMs = Math.round(Math.exp(Math.log(120) + 0.6 * gaussian(this.random)));
		const event: Record<string, unknown> = {
			eventType: type,
			eventId: randomUUID(),
			timestamp: new Date(now).toISOString(),
			userId,
			sessionId: state.session,
			seq: state.seq,
			page: state.page,
			referrer,
			device: state.device,
			country: state.country,
			latencyMs,
		};
		if (type === 'click') event.element = this.pick(ELEMENTS);
		if (type === 'search') event.query = this.pick(['running shoes', 'espresso', 'usb-c hub', 'desk lamp', 'headphones', 'tent 2 person']);
		if (type === 'add_to_cart' || type === 'purchase') {
			event.sku = `SKU-${1000 + Math.floor(this.random() * 9000)}`;
			event.priceCents = 499 + Math.floor(this.random() * 40_000);
			event.currency = 'USD';
		}
		if (newSession && referrer !== null && this.random() < 0.3) event.utmCampaign = this.pick(CAMPAIGNS);
		return event;
	}
}

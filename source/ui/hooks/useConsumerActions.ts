import {useEffect, useRef} from 'react';
import type {BehindStore} from '../../console/consumers/behindStore.js';
import {capabilitiesOf, kindOf, type Consumer} from '../../console/consumers/index.js';
import type {ConsumerServices} from '../consumerServices.js';
import {useIsActiveView, useNavigator} from '../navigation.js';
import {useServices} from '../services.js';

/**
 * What the user may do to a consumer from the who-is-behind screen and from the consumer's own view:
 * its kind's capabilities (console/consumers/kind.ts) that this console serves, the changes dropped by
 * --read-only; and the screens of its changes, after which the store is read again at once (the change
 * may have changed the consumer; other screens change none).
 */
export function useConsumerActions(stream: string, consumer: Consumer | undefined, consumers: ConsumerServices, store: BehindStore) {
	const {readOnly, notices} = useServices();
	const navigator = useNavigator();
	const can = consumer ? capabilitiesOf(consumer) : {};
	const reset = readOnly || consumers.reset === undefined ? undefined : can.reset;
	const deregister = readOnly || consumers.deregister === undefined ? undefined : can.deregister;
	const pause = readOnly || consumers.pause === undefined ? undefined : can.pause;
	const active = useIsActiveView();
	const leftToChange = useRef(false);
	useEffect(() => {
		if (!active || !leftToChange.current) return;
		leftToChange.current = false;
		void store.refresh();
	}, [active, store]);
	// A key for what this consumer's kind has not is said to do nothing, rather than do nothing unsaid.
	const cannot = (what: string, kindCan: boolean) => {
		if (!consumer) return;
		// Its kind can, but this console was given no way to (a test's or a build's services): not the kind's fault.
		notices.say('info', `'${consumer.name}' (${kindOf(consumer).label}) cannot ${what} from ${kindCan ? 'this console' : 'the console'}.`);
	};
	return {
		/** Where it keeps per-shard positions (a KCL application), whatever the console may change. */
		positions: can.positions,
		reset,
		deregister,
		pause,
		openReset() {
			if (!reset) return cannot('have its positions reset', can.reset !== undefined);
			navigator.push({kind: 'reset', stream, application: reset.leaseTable});
		},
		openDeregister() {
			if (!deregister) return cannot('be deregistered', can.deregister !== undefined);
			leftToChange.current = true;
			navigator.push({kind: 'deregister', stream, consumer: deregister.consumerName});
		},
		openPause() {
			if (!pause || !consumer) return cannot('be paused or resumed', can.pause !== undefined);
			leftToChange.current = true;
			navigator.push({kind: 'pause', stream, uuid: pause.uuid, functionName: consumer.name, action: pause.enabled ? 'pause' : 'resume'});
		},
	};
}

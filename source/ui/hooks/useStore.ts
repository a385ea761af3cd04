import {useEffect, useSyncExternalStore} from 'react';
import type {RunningStore} from '../../console/store.js';
import {useIsActiveView} from '../navigation.js';

/** Reads a console store's snapshot and re-renders when it changes. */
export function useStore<T>(store: {subscribe: (listener: () => void) => () => void; getSnapshot: () => T}): T {
	return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * Keeps a store's background work (polling, readers) running only while the calling view is the one
 * on top: a view beneath another stays mounted, keeping what it showed, but sends nothing, since
 * every call spends an account quota shared with production.
 */
export function useRunWhileVisible(store: Pick<RunningStore<unknown>, 'hold'>): void {
	const active = useIsActiveView();
	useEffect(() => (active ? store.hold() : undefined), [store, active]);
}

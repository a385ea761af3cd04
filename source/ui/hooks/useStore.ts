import {useSyncExternalStore} from 'react';

/** Reads a console store's snapshot and re-renders when it changes. */
export function useStore<T>(store: {subscribe: (listener: () => void) => () => void; getSnapshot: () => T}): T {
	return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

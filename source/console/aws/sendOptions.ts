/** The SDK's per-call options for an optional signal: a signal only when there is one. */
export const sendOptions = (signal?: AbortSignal): {abortSignal?: AbortSignal} => (signal ? {abortSignal: signal} : {});

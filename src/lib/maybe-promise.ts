/**
 * A value now or later. Hot paths that can usually answer from memory (a cached key, a leased
 * token) return the value itself, sparing every request an async frame and a promise.
 */
export type MaybePromise<T> = T | Promise<T>;

export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> => value instanceof Promise;

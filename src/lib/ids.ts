import { v7 } from 'uuid';

/**
 * A new uuid key. Time-ordered (UUIDv7), so a new row lands on the right-hand pages of its
 * indexes instead of a random page that may no longer be in memory; still opaque to clients.
 */
export const newId = (): string => v7();

import type { PriorityQueueStats, WorkQueue } from '../queue/work-queue.js';
import type { WorkerDirectory, WorkerInfo } from './worker-directory.js';

export type { PriorityQueueStats } from '../queue/work-queue.js';
export type { WorkerInfo } from './worker-directory.js';

/** What an operator reads of the running system (Flower's view): the queue per priority and the workers. */
export interface Operations {
  queueStats(): Promise<PriorityQueueStats[]>;
  workers(): Promise<WorkerInfo[]>;
}

export function createOperations(deps: { queue: Pick<WorkQueue, 'stats'>; directory: WorkerDirectory }): Operations {
  return {
    queueStats: () => deps.queue.stats(),
    workers: () => deps.directory.list(),
  };
}

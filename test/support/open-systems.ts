/**
 * Systems started in this file and not stopped; the leak check stops them and fails the file. Kept
 * apart from system.fixture.ts so the leak check, which every file loads, does not load the whole app.
 */
const open = new Set<{ stop(): Promise<void> }>();

export const openSystems = () => [...open];
export const trackSystem = (system: { stop(): Promise<void> }) => void open.add(system);
export const untrackSystem = (system: { stop(): Promise<void> }) => void open.delete(system);

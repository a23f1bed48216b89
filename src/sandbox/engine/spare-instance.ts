import { instantiateQuickJS, type LoadedQuickJS } from './wasm-loader.js';
import { MIN_PAGES } from './wasm-memory.js';

/**
 * Instantiating QuickJS (a fresh WebAssembly instance and its own 16 MiB memory) is about 7 ms of a
 * run. A long-lived process (the agent's workers) can prepare the next run's instance while idle.
 * A spare has never run guest code and is used by exactly one run, then discarded like any other:
 * isolation between runs is unchanged. Off by default, so one-shot CLI runs spend nothing on it.
 */
let enabled = false;
let spare: { readonly maximumPages: number; readonly instance: Promise<LoadedQuickJS> } | null = null;

export function enableSpareInstances(): void {
  enabled = true;
}

/** A pristine instance for `maximumPages`: the prepared spare when it matches, else a new one. */
export async function takeInstance(maximumPages: number): Promise<LoadedQuickJS> {
  const prepared = spare;
  spare = null;
  if (prepared?.maximumPages === maximumPages) {
    try {
      return await prepared.instance;
    } catch {
      // A spare that failed to instantiate is simply not used; the run makes its own.
    }
  }
  return instantiateQuickJS(MIN_PAGES, maximumPages);
}

/** After a run, prepares the next instance on a later turn, once the run's result is on its way. */
export function prepareSpare(maximumPages: number): void {
  if (!enabled || spare !== null) return;
  const timer = setTimeout(() => {
    if (spare !== null) return;
    const instance = instantiateQuickJS(MIN_PAGES, maximumPages);
    // Observed here so a failure is never an unhandled rejection; takeInstance falls back.
    instance.catch(() => {
      if (spare?.instance === instance) spare = null;
    });
    spare = { maximumPages, instance };
  }, 0);
  timer.unref();
}

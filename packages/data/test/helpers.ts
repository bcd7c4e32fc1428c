import { expect } from 'vitest';
import { DataFormatError, DatasetConfigError } from '@bptt/data';

/** Runs `fn` and returns the error it throws, checking its class. */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

export const configError = (fn: () => unknown): DatasetConfigError => thrown(fn, DatasetConfigError);
export const formatError = (fn: () => unknown): DataFormatError => thrown(fn, DataFormatError);

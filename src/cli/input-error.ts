import { UsageError } from '../model/errors.js';

/** An input that cannot be read (no such file, a refused connection, past a limit): the user's to fix. */
export class InputError extends UsageError {
  override readonly name = 'InputError';
}

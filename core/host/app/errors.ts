// An error a request answers with as it is: messages (and fields) the user can act on.
import type { UserError } from '../../engine/errors.js';

export class RequestError extends Error {
  constructor(readonly errors: UserError[]) { super(errors.map((e) => e.message).join('; ')); }
}

export function requestError(message: string, field?: string): RequestError {
  return new RequestError([{ ...(field !== undefined ? { field } : {}), message }]);
}

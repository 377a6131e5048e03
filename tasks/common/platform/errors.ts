/**
 * Failures a user can cause or meet. Each carries what happened and what to do next, so the
 * runner can end the task with one readable line instead of a stack trace.
 */
/** The `code` of a thrown value (Node's errno code: ENOENT, ECONNRESET, ...), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

export class TaskFailure extends Error {
  constructor(
    message: string,
    /** The user's next step, written as an instruction. */
    readonly advice?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The single line the pipeline log shows. */
  get userMessage(): string {
    return this.advice ? `${this.message} ${this.advice}` : this.message;
  }
}

/** A task input or connection field is missing or malformed; raised before any request. */
export class InputError extends TaskFailure {}

/** Microsoft Entra ID refused to issue a token, or could not be reached. */
export class SignInError extends TaskFailure {
  constructor(
    message: string,
    advice: string | undefined,
    readonly entraCode?: number,
  ) {
    super(message, advice);
  }
}

/** The LCS API answered with an error, or with something that is not its JSON envelope. */
export class LcsApiError extends TaskFailure {
  constructor(
    message: string,
    advice: string | undefined,
    readonly status?: number,
    /** An answer that is not LCS's considered word (not its JSON, no state): worth asking again in a wait. */
    readonly malformed = false,
  ) {
    super(message, advice);
  }
}

/** A request could not complete (network, timeout, throttling) within the retry budget. */
export class TransportError extends TaskFailure {}

/** The service is throttling (429, or storage's 503 ServerBusy) past the retry budget: it did not act on the request. */
export class ThrottledError extends TransportError {}

/**
 * The agent's proxy asked for credentials (HTTP 407) and refused the request: the agent's proxy
 * setup, which waiting does not change. Not a TransportError: a wait does not ride it out.
 */
export class ProxyAuthError extends TaskFailure {}

/** No backup satisfied the filters or the age limit. */
export class SelectionError extends TaskFailure {}

/** A database operation (export, refresh) ended in a failure state, or LCS refused to start it. */
export class OperationError extends TaskFailure {}

/** A wait ran out of time, or the step was cancelled; the operation goes on in LCS. */
export class WaitEndedError extends TaskFailure {}

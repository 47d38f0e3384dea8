// Errors are values with the robot's own words. Every kind carries a `code` because Node-RED
// copies `err.code` into a Catch node's `msg.error.code` (4.1+) and drops anything else.

/** One entry of the robot's error envelope `{errors: [...]}`, or a legacy `{message, errorCode}` body. */
export interface RobotErrorBody {
  id?: string;
  title?: string;
  detail?: string;
  errorCode?: string;
  source?: Record<string, unknown>;
  meta?: Record<string, unknown>;
  message?: string;
  [key: string]: unknown;
}

export abstract class OpentronsError extends Error {
  abstract readonly code: string;
  /** HTTP status of the robot's answer, when there was one. */
  readonly statusCode: number | undefined;

  constructor(message: string, statusCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.statusCode = statusCode;
  }
}

/** The robot answered with an HTTP error status and (usually) its error envelope. */
export class RobotError extends OpentronsError {
  readonly code: string;
  readonly errorId: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly errorCode: string | undefined;
  /** The first error object exactly as the robot sent it. */
  readonly robotError: RobotErrorBody;
  /** Every error object the robot sent (validation failures list one per problem). */
  readonly errors: RobotErrorBody[];
  readonly method: string;
  readonly path: string;

  constructor(status: number, method: string, path: string, errors: RobotErrorBody[], request: { sentToken?: boolean } = {}) {
    const first: RobotErrorBody = errors[0] ?? {};
    const errorId = str(first.id);
    const title = str(first.title);
    const detail = str(first.detail) ?? str(first.message);
    // A 403 with another id (NotSupportedOnOT2, EstopEngaged…) is the robot's own refusal: no word of a token.
    const refused = (status === 401 || status === 403) && (errorId === undefined || errorId === TOKEN_REFUSED);
    super(describe(status, method, path, errorId, title, detail) + (refused ? tokenHint(request.sentToken === true) : ''), status);
    this.code = errorId ?? (refused ? TOKEN_REFUSED : `HTTP_${status}`);
    this.errorId = errorId;
    this.title = title;
    this.detail = detail;
    this.errorCode = str(first.errorCode);
    this.robotError = first;
    this.errors = errors;
    this.method = method;
    this.path = path;
  }
}

/** No connection could be made, or it broke before an answer came (robot off, wrong address, rebooting). */
export class RobotUnreachableError extends OpentronsError {
  readonly code: string;
  constructor(readonly url: string, code: string, reason: string, cause?: unknown) {
    super(`robot not reachable at ${url}: ${reason} (${code})`, undefined, { cause });
    this.code = code;
  }
}

/** No complete answer within the request timeout. */
export class RobotTimeoutError extends OpentronsError {
  readonly code = 'ETIMEDOUT';
  constructor(readonly method: string, readonly path: string, readonly timeoutMs: number) {
    super(`${method} ${path}: no answer from the robot within ${timeoutMs} ms (ETIMEDOUT)`);
  }
}

/** An answer came but it is not the robot's JSON: an HTML page, a truncated body, another server. */
export class RobotResponseError extends OpentronsError {
  readonly code = 'EBADRESPONSE';
  constructor(
    readonly method: string,
    readonly path: string,
    status: number,
    reason: string,
    readonly bodySnippet: string,
    /** The connection broke while the body was arriving (a GET may be tried again). */
    readonly truncated = false,
  ) {
    super(`${method} ${path}: the answer (HTTP ${status}) is not an Opentrons robot's JSON: ${reason}`, status);
  }
}

/** The caller aborted the request (node closed, redeploy). */
export class RequestAbortedError extends OpentronsError {
  readonly code = 'ABORT_ERR';
  constructor(readonly method: string, readonly path: string) {
    super(`${method} ${path}: request aborted`);
  }
}

/** Bad input from a msg or the editor, found before anything is sent to the robot. */
export class InputError extends OpentronsError {
  readonly code = 'InvalidInput';
  constructor(message: string) {
    super(message);
  }
}

/** A module selector (opentrons-hardware) matched no attached module, or several: found after reading /modules. */
export class ModuleSelectionError extends OpentronsError {
  constructor(message: string, readonly code: 'ModuleNotFound' | 'ModuleAmbiguous') {
    super(message);
  }
}

/** The robot accepted a command (201) but the command itself failed; carries its error occurrence. */
export class CommandFailedError extends OpentronsError {
  readonly code: string;
  constructor(message: string, readonly robotError: RobotErrorBody, readonly commandId: string | undefined) {
    super(message, 201);
    this.code = str(robotError.errorType) ?? str(robotError.errorCode) ?? 'CommandFailed';
  }
}

/**
 * The robot took a command (201) and it was still queued or running when the wait the user allowed
 * ended. Its own code, not ETIMEDOUT: the command is on the robot and may still run, so a flow that
 * retries on "no answer" must not send it again.
 */
export class CommandNotFinishedError extends OpentronsError {
  readonly code = 'COMMAND_NOT_FINISHED';
  constructor(message: string, readonly commandId: string, readonly commandStatus: string) {
    super(message, 201);
  }
}

/** An awaited status change (analysis, run status) did not happen in the time the user allowed. */
export class WaitTimeoutError extends OpentronsError {
  readonly code = 'ETIMEDOUT';
  constructor(message: string) {
    super(message);
  }
}

/** err.code of a 401/403 without the robot's own error id: robot-server's id for a failed token check. */
export const TOKEN_REFUSED = 'AuthenticationFailed';

/**
 * What to do about a 401/403. A robot with access control (newer Flex software) refuses requests that change
 * something (everything but GET) without its token; the token lives in the robot config node.
 */
function tokenHint(sentToken: boolean): string {
  return sentToken
    ? ': the robot refused the token — set the token the robot expects in the opentrons-robot config node (Token field)'
    : ': the robot requires an access token — set the token in the opentrons-robot config node (Token field)';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function describe(
  status: number,
  method: string,
  path: string,
  id: string | undefined,
  title: string | undefined,
  detail: string | undefined,
): string {
  const what = [title, detail && detail !== title ? detail : undefined].filter(Boolean).join(': ');
  return `${what || 'robot error'} (HTTP ${status}${id ? ` ${id}` : ''}, ${method} ${path})`;
}

/**
 * A read that failed after the robot accepted a POST (the robot unreachable, slow, garbled, or an error
 * answer). The POST is then reported as accepted, not as an error: a flow retrying on the error would
 * send it again. A wait that ran out, an analysis that is not ok, and an abort are not read failures.
 */
export function isReadFailure(err: unknown): err is OpentronsError {
  return err instanceof RobotUnreachableError || err instanceof RobotTimeoutError || err instanceof RobotResponseError || err instanceof RobotError;
}

/** What an output msg carries about a failed follow-up read: `{message, code}`. */
export function readErrorOf(err: OpentronsError): { message: string; code: string } {
  return { message: err.message, code: err.code };
}

/** Turns any thrown value into a message short enough for a node status. */
export function shortReason(err: unknown): string {
  if (err instanceof RobotError) return err.errorId ?? err.title ?? `HTTP ${err.statusCode}`;
  if (err instanceof RobotUnreachableError) return 'robot unreachable';
  if (err instanceof RobotTimeoutError) return 'timed out';
  if (err instanceof RobotResponseError) return 'not a robot answer';
  if (err instanceof OpentronsError) return err.code;
  if (err instanceof Error) return err.message.slice(0, 60);
  return String(err).slice(0, 60);
}

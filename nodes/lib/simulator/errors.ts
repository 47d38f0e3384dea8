/**
 * The robot-server error envelope (`{"errors":[...]}`) and the error ids a client meets, with their fixed titles,
 * HTTP statuses and string errorCodes (API reference §3).
 */

export interface ErrorSource {
  pointer?: string;
  parameter?: string;
  header?: string;
}

/** `meta` of errors raised from engine exceptions (e.g. RunActionNotAllowed wrapping RunStoppedError). */
export interface ErrorMeta {
  type: string;
  code: string;
  message: string;
  detail: Record<string, unknown>;
  wrapping: ErrorMeta[];
}

export interface ErrorObject {
  id: string;
  title: string;
  detail: string;
  source?: ErrorSource;
  meta?: ErrorMeta;
  errorCode: string;
}

/** Thrown by route handlers; the server turns it into the error response. */
export class ApiError extends Error {
  /** robot-server adds the version headers to nearly every error; not to InvalidDeckConfiguration (capture 172) */
  versionHeaders = true;

  constructor(
    public readonly status: number,
    public readonly errors: ErrorObject[],
    /** legacy routes answer validation errors as `{message, errorCode}` */
    public readonly legacyBody?: { message: string; errorCode: string },
  ) {
    super(errors[0]?.detail ?? legacyBody?.message ?? 'error');
  }

  body(): unknown {
    return this.legacyBody ?? { errors: this.errors };
  }
}

function one(status: number, id: string, title: string, detail: string, errorCode = '4000', extra?: Partial<ErrorObject>): ApiError {
  // key order as robot-server sends it: errorCode last
  const e: ErrorObject = {
    id, title, detail,
    ...(extra?.source ? { source: extra.source } : {}),
    ...(extra?.meta ? { meta: extra.meta } : {}),
    errorCode,
  };
  return new ApiError(status, [e]);
}

export function invalidRequest(detail: string, source?: ErrorSource): ApiError {
  return one(422, 'InvalidRequest', 'Invalid Request', detail, '4000', source ? { source } : undefined);
}

/** Several validation problems in one 422. */
export function invalidRequests(problems: Array<{ detail: string; source?: ErrorSource }>): ApiError {
  return new ApiError(
    422,
    problems.map((p) => {
      const e: ErrorObject = { id: 'InvalidRequest', title: 'Invalid Request', detail: p.detail, ...(p.source ? { source: p.source } : {}), errorCode: '4000' };
      return e;
    }),
  );
}

/** Framework errors (unknown path, wrong method): id BadRequest with the framework's status. */
export function frameworkError(status: number, detail: string): ApiError {
  return one(status, 'BadRequest', 'Bad Request', detail);
}

export function unexpectedError(detail: string, errorCode = '4000'): ApiError {
  return one(500, 'UnexpectedError', 'Unexpected Internal Error', detail, errorCode);
}

/** A fixit command outside recovery: an engine error robot-server 8.1.0 does not map, so a 500 (captures 177, 202). */
export function fixitCommandNotAllowed(): ApiError {
  const detail = 'Fixit commands are not allowed when the run is not in a recoverable state.';
  return one(500, 'UnexpectedError', 'Unexpected Internal Error', detail, '4000', {
    meta: { type: 'FixitCommandNotAllowedError', code: '4000', message: detail, detail: {}, wrapping: [] },
  });
}

export function outdatedApiVersion(requested: string): ApiError {
  return one(
    400,
    'OutdatedAPIVersion',
    'Requested HTTP API version no longer supported',
    `The requested API version '${requested}' is not supported. 'Opentrons-Version' must be at least '2'. Please upgrade your Opentrons App or other HTTP API client.`,
  );
}

/**
 * A non-GET request without the robot's token, or with another one. robot-server's own check
 * (robot_server/authentication, check_auth_token_header) answers both with 403 and this id and title;
 * `detail` says which.
 */
export function authenticationFailed(detail: 'No authentication token provided.' | 'Authentication token invalid.'): ApiError {
  return one(403, 'AuthenticationFailed', 'Authentication Bearer authentication failed.', detail);
}

export function databaseNotYetInitialized(): ApiError {
  return one(503, 'DatabaseNotYetInitialized', 'Database Not Yet Initialized', "The server's database has not finished initializing.");
}

export function runNotFound(runId: string): ApiError {
  return one(404, 'RunNotFound', 'Run Not Found', `Error 4000 GENERAL_ERROR (RunNotFoundError): Run ${runId} was not found.`);
}

export function protocolNotFound(protocolId: string): ApiError {
  return one(404, 'ProtocolNotFound', 'Protocol Not Found', `'Protocol ${protocolId} was not found.'`);
}

export function commandNotFound(commandId: string): ApiError {
  return one(404, 'CommandNotFound', 'Command Not Found', `Command ${commandId} not found.`);
}

export function statelessCommandNotFound(commandId: string): ApiError {
  return one(404, 'StatelessCommandNotFound', 'Stateless Command Not Found', `Command ${commandId} not found.`);
}

const runStoppedMeta = (message: string): ErrorMeta => ({ type: 'RunStoppedError', code: '4000', message, detail: {}, wrapping: [] });

/** 409 RunStopped: the run is not current, or has already stopped. */
export function runStopped(detail = 'The run has already stopped.', withMeta = true): ApiError {
  return one(409, 'RunStopped', 'Run Stopped', detail, '4000', withMeta ? { meta: runStoppedMeta(detail) } : undefined);
}

export function runNotCurrent(runId: string): ApiError {
  return one(409, 'RunStopped', 'Run Stopped', `Run ${runId} is not the current run`);
}

export function runAlreadyActive(): ApiError {
  return one(409, 'RunAlreadyActive', 'Run Already Active', 'Current run is not idle or stopped.', '4001');
}

export function runNotIdle(): ApiError {
  return one(409, 'RunNotIdle', 'Run is not idle.', 'Run is currently active. Allow the run to finish or stop it with a `stop` action before attempting to modify it.', '4001');
}

/** 409 RunActionNotAllowed (errorCode 3000), wrapping the engine error the way robot-server reports it. */
export function runActionNotAllowed(detail: string, wrappedType?: string, wrappedCode = '4000'): ApiError {
  const meta: ErrorMeta = {
    type: 'RunActionNotAllowedError',
    code: '3000',
    message: detail,
    detail: {},
    wrapping: wrappedType ? [{ type: wrappedType, code: wrappedCode, message: detail, detail: {}, wrapping: [] }] : [],
  };
  return one(409, 'RunActionNotAllowed', 'Run Action Not Allowed', detail, '3000', { meta });
}

export function setupCommandNotAllowed(): ApiError {
  return one(409, 'SetupCommandNotAllowed', 'Setup Command Not Allowed', 'Setup commands are not allowed after run has started.');
}

export function commandNotAllowed(detail: string): ApiError {
  return one(400, 'CommandNotAllowed', 'Command Not Allowed', detail);
}

/**
 * 409 RunActive from /commands while the current run has started and not stopped. robot-server 8.1.0 builds it
 * with `RunActive.from_exc(RunConflictError("A run is currently active"))`, so the class's default detail is
 * replaced by the wrapped Python exception's text and `meta` describes that exception (as capture 119 shows for
 * another wrapped error). The robot's `meta.detail.traceback` names its own source files: left out here.
 */
export function runActive(): ApiError {
  const message = 'robot_server.runs.run_orchestrator_store.RunConflictError: A run is currently active';
  return one(409, 'RunActive', 'Run Active', message, '4000', {
    meta: { type: 'RunConflictError', code: '4000', message, detail: { args: "('A run is currently active',)", class: 'RunConflictError' }, wrapping: [] },
  });
}

export function protocolUsedByRun(protocolId: string): ApiError {
  return one(409, 'ProtocolUsedByRun', 'Protocol Used by Run', `Protocol ${protocolId} is used by a run and cannot be deleted.`);
}

export function notSupportedOnRobotType(robot: 'OT-2' | 'Flex'): ApiError {
  return robot === 'OT-2'
    ? one(403, 'NotSupportedOnOT2', 'Not Supported On OT-2', 'This endpoint is not supported on the OT-2.')
    : one(403, 'NotSupportedOnFlex', 'Not Supported On Flex', 'This endpoint is not supported on the Flex.');
}

/** Legacy-route validation error shape. */
export function legacyValidation(status: number, message: string): ApiError {
  return new ApiError(status, [], { message, errorCode: '4000' });
}

export type EstopState = 'notPresent' | 'physicallyEngaged' | 'logicallyEngaged' | 'disengaged';

/** Flex: 403 while the E-stop is not attached, engaged, or released but not yet acknowledged. */
export function estopBlocked(state: EstopState): ApiError | undefined {
  if (state === 'notPresent') return one(403, 'EstopNotAttached', 'E-Stop Not Attached', 'An E-stop is not attached to the robot.', '3009');
  if (state === 'physicallyEngaged') return one(403, 'EstopEngaged', 'E-Stop Engaged', 'The E-stop is engaged.', '3008');
  if (state === 'logicallyEngaged') return one(403, 'EstopNotAcknowledged', 'E-Stop Not Acknowledged', 'The E-stop was released but its release has not been acknowledged.', '3008');
  return undefined;
}

// Error ids of the protocols API (API reference §3), in the envelope of ../errors.
import { ApiError } from '../errors';

function one(status: number, id: string, title: string, detail: string, errorCode = '4000'): ApiError {
  return new ApiError(status, [{ id, title, detail, errorCode }]);
}

export function protocolFilesInvalid(detail: string): ApiError {
  return one(422, 'ProtocolFilesInvalid', 'Protocol File(s) Invalid', detail);
}

export function protocolRobotTypeMismatch(detail: string): ApiError {
  return one(422, 'ProtocolRobotTypeMismatch', 'Protocol For Different Robot Type', detail);
}

export function analysisNotFound(analysisId: string): ApiError {
  return one(404, 'AnalysisNotFound', 'Protocol Analysis Not Found', `Analysis ${analysisId} not found.`);
}

export function analysisNotCompleted(analysisId: string): ApiError {
  // robot-server answers asDocument of a pending analysis with 404 AnalysisNotFound.
  return one(404, 'AnalysisNotFound', 'Protocol Analysis Not Found', `Analysis ${analysisId} is still pending.`);
}

export function lastAnalysisPending(analysisId: string): ApiError {
  return one(503, 'LastAnalysisPending', 'Last Analysis Still Pending.', `Analysis "${analysisId}" is still pending.`);
}

export function quickTransferLimit(): ApiError {
  return one(409, 'BadRequest', 'Bad Request', 'Maximum quick transfer protocols exceeded');
}

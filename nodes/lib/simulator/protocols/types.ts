// Shapes of the protocol resources as robot-server 8.1.0 serialises them (API reference §5).
export type { RobotType } from '../context';
import type { RobotType } from '../context';

export type FileRole = 'main' | 'labware' | 'data';
export type ProtocolKind = 'standard' | 'quick-transfer';
export type JsonObject = Record<string, unknown>;

export interface UploadedFile {
  name: string;
  content: Buffer;
}

/** One error occurrence as the engine reports it (analysis `errors`, command `error`). */
import type { ErrorOccurrence } from '../commands';
export type { ErrorOccurrence };

export interface AnalysisCommand {
  id: string;
  createdAt: string;
  commandType: string;
  key: string;
  status: 'succeeded' | 'failed';
  params: JsonObject;
  result?: JsonObject;
  error?: ErrorOccurrence;
  startedAt: string;
  completedAt: string;
  notes: unknown[];
}

export interface CompletedAnalysisBody {
  result: 'ok' | 'not-ok' | 'parameter-value-required';
  robotType: RobotType;
  runTimeParameters: JsonObject[];
  commands: AnalysisCommand[];
  labware: JsonObject[];
  pipettes: JsonObject[];
  modules: JsonObject[];
  liquids: JsonObject[];
  errors: ErrorOccurrence[];
  /**
   * Simulator-only marker, present when the analysis was NOT computed by interpreting the protocol
   * (Python protocols): says what was read and what the command list is.
   */
  simulation?: { interpreted: false; note: string };
}

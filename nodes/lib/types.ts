// The robot's resources as its HTTP API returns them (robot-server 8.x). Fields the robot may add in
// newer software are kept by the index signatures, so nothing a user might need is dropped.

export type JsonObject = { [key: string]: unknown };

export interface Health {
  name: string;
  robot_model: string; // "OT-2 Standard" | "OT-3 Standard"
  api_version: string;
  fw_version?: string;
  board_revision?: string;
  system_version?: string;
  maximum_protocol_api_version?: number[];
  minimum_protocol_api_version?: number[];
  robot_serial?: string;
  links?: JsonObject;
  [key: string]: unknown;
}

export interface ErrorOccurrence {
  id: string;
  createdAt: string;
  isDefined?: boolean;
  errorType: string;
  errorCode: string;
  detail: string;
  errorInfo?: JsonObject;
  wrappedErrors?: ErrorOccurrence[];
  [key: string]: unknown;
}

export type CommandIntent = 'setup' | 'protocol' | 'fixit';
export type CommandStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** Body of POST /runs/{id}/commands and POST /commands (inside `data`). */
export interface CommandCreate {
  commandType: string;
  params: JsonObject;
  intent?: CommandIntent;
  key?: string;
}

export interface Command {
  id: string;
  key: string;
  commandType: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  status: CommandStatus | string;
  params: JsonObject;
  result?: JsonObject;
  error?: ErrorOccurrence;
  intent?: CommandIntent;
  notes?: JsonObject[];
  failedCommandId?: string;
  [key: string]: unknown;
}

export type RunStatus =
  | 'idle'
  | 'running'
  | 'paused'
  | 'blocked-by-open-door'
  | 'stop-requested'
  | 'finishing'
  | 'awaiting-recovery'
  | 'awaiting-recovery-paused'
  | 'awaiting-recovery-blocked-by-open-door'
  | 'stopped'
  | 'failed'
  | 'succeeded';

export const TERMINAL_RUN_STATUSES: readonly string[] = ['stopped', 'failed', 'succeeded'];

/** A run in one of these statuses is over: it changes no more. */
export function isTerminal(status: string): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

export type RunActionType = 'play' | 'pause' | 'stop' | 'resume-from-recovery';

export interface RunAction {
  id: string;
  createdAt: string;
  actionType: RunActionType | string;
}

export interface LabwareOffsetCreate {
  definitionUri: string;
  location: { slotName: string; moduleModel?: string; definitionUri?: string };
  vector: { x: number; y: number; z: number };
}

export interface Run {
  id: string;
  ok?: boolean;
  createdAt: string;
  /** A status string; newer robot software may send statuses not in RunStatus. */
  status: RunStatus | string;
  current: boolean;
  actions: RunAction[];
  errors: ErrorOccurrence[];
  pipettes: JsonObject[];
  modules: JsonObject[];
  labware: JsonObject[];
  liquids?: JsonObject[];
  labwareOffsets: JsonObject[];
  runTimeParameters?: JsonObject[];
  protocolId?: string;
  startedAt?: string;
  completedAt?: string;
  hasEverEnteredErrorRecovery?: boolean;
  [key: string]: unknown;
}

export interface RunCreate {
  protocolId?: string;
  labwareOffsets?: LabwareOffsetCreate[];
  runTimeParameterValues?: JsonObject;
  runTimeParameterFiles?: JsonObject;
}

export interface AnalysisSummary {
  id: string;
  status: 'pending' | 'completed' | string;
  runTimeParameters?: JsonObject[];
  [key: string]: unknown;
}

export interface Protocol {
  id: string;
  createdAt: string;
  files: Array<{ name: string; role: 'main' | 'labware' | 'data' | string }>;
  protocolType: 'python' | 'json' | string;
  robotType?: string;
  metadata: JsonObject;
  analysisSummaries: AnalysisSummary[];
  key?: string;
  protocolKind?: string;
  [key: string]: unknown;
}

export interface Analysis {
  id: string;
  status: 'pending' | 'completed' | string;
  result?: 'ok' | 'not-ok' | 'parameter-value-required' | string;
  robotType?: string;
  runTimeParameters: JsonObject[];
  commands?: Command[];
  labware?: JsonObject[];
  pipettes?: JsonObject[];
  modules?: JsonObject[];
  liquids?: JsonObject[];
  errors?: ErrorOccurrence[];
  [key: string]: unknown;
}

/** A CSV file uploaded with POST /dataFiles, named by id in `runTimeParameterFiles`. */
export interface DataFile {
  id: string;
  name: string;
  createdAt: string;
  [key: string]: unknown;
}

export interface CollectionMeta {
  cursor: number;
  totalLength: number;
}

export interface LinkRef {
  href: string;
  meta?: JsonObject;
}

export interface RunList {
  data: Run[];
  meta: CollectionMeta;
  links: { current?: LinkRef; [key: string]: unknown };
}

export interface CommandPage {
  data: Command[];
  meta: CollectionMeta;
  links: { current?: LinkRef; currentlyRecoveringFrom?: LinkRef; [key: string]: unknown };
}

/** GET /modules item (HTTP API version ≥ 3): `id` is what module commands take as `moduleId`. */
export interface AttachedModule {
  id: string;
  serialNumber: string;
  moduleModel: string;
  moduleType: string;
  firmwareVersion?: string;
  hardwareRevision?: string;
  /** Live state: status, currentTemperature, targetTemperature, engaged/height, labwareLatchStatus, currentSpeed… */
  data: JsonObject;
  /** Where the module is plugged in; robot software 7.1+ also reports the deck slot it is configured in on a Flex. */
  usbPort?: JsonObject;
  moduleOffset?: JsonObject;
  [key: string]: unknown;
}

/** GET /pipettes (legacy, unwrapped): one entry per mount, null when empty. */
export interface LegacyPipettes {
  left: JsonObject | null;
  right: JsonObject | null;
  [key: string]: unknown;
}

export interface DoorStatus {
  status: 'open' | 'closed' | string;
  doorRequiredClosedForProtocol: boolean;
}

export interface EstopStatus {
  status: 'notPresent' | 'physicallyEngaged' | 'logicallyEngaged' | 'disengaged' | string;
  leftEstopPhysicalStatus: string;
  rightEstopPhysicalStatus: string;
}

export interface CutoutFixture {
  cutoutId: string;
  cutoutFixtureId: string;
  opentronsModuleSerialNumber?: string;
}

export interface DeckConfiguration {
  cutoutFixtures: CutoutFixture[];
  lastModifiedAt?: string;
}

/** A robot's model as people name it: the Flex reports itself as "OT-3 Standard". */
export type RobotModel = 'OT-2' | 'Flex';

/** "OT-2 Standard" → "OT-2", "OT-3 Standard" → "Flex"; anything else as the robot says it. */
export function robotModel(robotModelField: string): RobotModel | string {
  if (/^OT-2/i.test(robotModelField)) return 'OT-2';
  if (/^OT-3/i.test(robotModelField) || /flex/i.test(robotModelField)) return 'Flex';
  return robotModelField;
}

// The renderer sees the contract through types only, so zod and Node code never reach the bundle.
export type {
  ApiEvent,
  Failure,
  Hit,
  IndexingState,
  MethodName,
  ModelChoice,
  ModelDownload,
  PhotoInfo,
  RequestOf,
  Responses,
  Settings,
  ShoeboxApi,
  Status,
  Timeline,
} from '../../../../src-main/api/contract.js';

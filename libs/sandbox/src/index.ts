export { SANDBOX_GID, SANDBOX_UID } from './command';
export {
  type SandboxDetection,
  type SandboxDetectionOptions,
  type UnsafeRunnerDetection,
  detectSandbox,
  detectUnsafeRunner,
} from './detect-sandbox';
export type { ExecutionResult, ExecutionStatus, PythonRunner, RunOptions } from './execution-result';
export { DEFAULT_LIMITS, type SandboxLimits } from './limits';
export { PythonSandbox, type PythonSandboxOptions, type SandboxMode } from './python-sandbox';
export { SandboxPool, type SandboxPoolOptions } from './sandbox-pool';
export { SANDBOX_INSTALL_HINT, SandboxUnavailableError } from './sandbox-unavailable-error';
export { SYSTEM_SEARCH_PATH, type ToolLookupOptions, type ToolName, type ToolPaths } from './tool-paths';

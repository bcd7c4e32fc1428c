/** @bptt/pipelines: the stage framework, the config schemas, the stages (loaded on demand) and the report renderer. */
export * from './report/index.ts';
export * from './config/index.ts';
export { defineDataset, definePipeline, defineRun } from './declare.ts';
export { runStage, type AnyStage, type StageDefinition, type StageServices } from './framework/stage.ts';
export { tensorBackendLayer, backendChoiceFrom, TensorBackend } from './framework/backend.ts';
export { progressLayer, lineProgress, terminalProgress, Progress } from './framework/progress.ts';
export { StageContext, Randomness, seededRandomness } from './framework/services.ts';
export * from './framework/errors.ts';
export { STAGES } from './stages/index.ts';
export { runCli } from './cli/run-cli.ts';

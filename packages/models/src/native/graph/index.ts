export { traceNativeFunction, isTracingGraph, feedAsGraphInput, registerGraphConstant, type TracedGraph, type TraceOptions, type TraceOutcome } from './trace.ts';
export { CompiledNativeFunction } from './compiled-function.ts';
export { GraphFunctionCache, type GraphFunctionCacheOptions, type GraphFunctionStatus } from './graph-function-cache.ts';
export { encodeSavedModel, DT, type GraphNode, type AttrValue, type TensorValue } from './graph-def.ts';
export {
  graphStepsApply,
  nativeGraphSteps,
  nativeGraphStepsFromEnv,
  setNativeGraphSteps,
  NATIVE_GRAPH_CHOICES,
  NATIVE_GRAPH_VARIABLE,
  type NativeGraphSteps,
} from './graph-policy.ts';

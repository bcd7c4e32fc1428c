/**
 * A TensorFlow graph as plain data, and its encoding as a SavedModel file (saved_model.pb) holding one
 * MetaGraphDef. Field numbers are those of tensorflow/core/framework/{graph,node_def,attr_value,tensor,
 * tensor_shape,versions}.proto and tensorflow/core/protobuf/{saved_model,meta_graph}.proto.
 */
import type { DataType } from '@tensorflow/tfjs-core';
import { ProtoWriter } from './protobuf.ts';

/** TensorFlow's DataType enum values (the same numbers as the C API's TF_DataType). */
export const DT = { float: 1, int32: 3, uint8: 4, string: 7, complex64: 8, int64: 9, bool: 10 } as const;

/** The tfjs dtypes a graph (and a native op's type attribute) can carry, as TensorFlow names and numbers them. */
const TF_DTYPES: Partial<Record<DataType, { readonly value: number; readonly name: string }>> = {
  float32: { value: DT.float, name: 'DT_FLOAT' },
  int32: { value: DT.int32, name: 'DT_INT32' },
  bool: { value: DT.bool, name: 'DT_BOOL' },
};

function tfDtype(dtype: DataType): { readonly value: number; readonly name: string } {
  const found = TF_DTYPES[dtype];
  if (found === undefined) throw new Error(`TensorFlow graphs here carry float32, int32 and bool tensors, not ${dtype}`);
  return found;
}

/** TensorFlow's DataType number for a tfjs dtype (also the C API's TF_DataType). */
export const tfDataType = (dtype: DataType): number => tfDtype(dtype).value;
/** TensorFlow's DataType name for a tfjs dtype ("DT_FLOAT"). */
export const tfDataTypeName = (dtype: DataType): string => tfDtype(dtype).name;

export interface TensorValue {
  readonly dtype: number;
  readonly shape: readonly number[];
  /** Little-endian element bytes (TensorProto.tensor_content), or one element's when `filled`. */
  readonly content: Uint8Array;
  /**
   * Every element equals the one in `content`: written as a single typed value, which TensorFlow repeats to fill
   * the shape (as tf.constant(0, shape) does). A step's zero tensors then cost a few bytes, not B·H·4 each.
   */
  readonly filled?: boolean;
}

/** A TensorValue from element bytes: `filled` (one element kept) when every element repeats the first. */
export function tensorValue(dtype: number, shape: readonly number[], bytes: Uint8Array): TensorValue {
  const size = dtype === DT.bool ? 1 : 4;
  if (bytes.length > size && bytes.length % size === 0 && (dtype === DT.float || dtype === DT.int32 || dtype === DT.bool)) {
    let uniform = true;
    for (let k = size; k < bytes.length && uniform; k++) uniform = bytes[k] === bytes[k % size];
    if (uniform) return { dtype, shape: [...shape], content: bytes.slice(0, size), filled: true };
  }
  return { dtype, shape: [...shape], content: bytes.slice() };
}

export type AttrValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'type'; readonly value: number }
  | { readonly kind: 'shape'; readonly value: readonly number[] }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'bools'; readonly value: readonly boolean[] }
  | { readonly kind: 'tensor'; readonly value: TensorValue };

export interface GraphNode {
  readonly name: string;
  readonly op: string;
  /** "node" or "node:k" for output k; "^node" for a control dependency. */
  readonly inputs: readonly string[];
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** The shape of each output as the trace saw it (not written to the GraphDef: recurrence-first.ts reads it). */
  readonly outputShapes?: readonly (readonly number[])[];
}

/**
 * The GraphDef producer version written into the file. TensorFlow accepts any producer at or above its minimum
 * (0) and only rejects graphs that ask for a newer consumer; 1087 is TF 2.9's version, the oldest libtensorflow
 * tfjs-node downloads, so no op semantics newer than the loading library are claimed.
 */
const GRAPH_PRODUCER_VERSION = 1087;

/** saved_model.pb with one meta graph tagged `tags`, holding `nodes`; no variables, assets or signatures. */
export function encodeSavedModel(nodes: readonly GraphNode[], tags: readonly string[]): Uint8Array {
  const writer = new ProtoWriter();
  writer.int(1, 1); // saved_model_schema_version
  writer.message(2, (metaGraph) => {
    metaGraph.message(1, (info) => tags.forEach((tag) => info.string(4, tag)));
    metaGraph.message(2, (graph) => {
      nodes.forEach((node) => graph.message(1, (def) => writeNode(def, node)));
      graph.message(4, (versions) => versions.int(1, GRAPH_PRODUCER_VERSION));
    });
  });
  return writer.finish();
}

function writeNode(writer: ProtoWriter, node: GraphNode): void {
  writer.string(1, node.name).string(2, node.op);
  node.inputs.forEach((input) => writer.string(3, input));
  writer.map(5, node.attrs, (entry, value) => entry.message(2, (attr) => writeAttr(attr, value)));
}

function writeAttr(writer: ProtoWriter, attr: AttrValue): void {
  switch (attr.kind) {
    case 'string':
      writer.string(2, attr.value);
      return;
    case 'int':
      writer.int(3, attr.value);
      return;
    case 'float':
      writer.float(4, attr.value);
      return;
    case 'bool':
      writer.int(5, attr.value);
      return;
    case 'type':
      writer.int(6, attr.value);
      return;
    case 'shape':
      writer.message(7, (shape) => writeShape(shape, attr.value));
      return;
    case 'tensor':
      writer.message(8, (tensor) => writeTensor(tensor, attr.value));
      return;
    // Lists are AttrValue.list (field 1), a ListValue with packed repeated fields of the same numbers.
    case 'ints':
      writer.message(1, (list) => attr.value.length > 0 && list.packedInts(3, attr.value));
      return;
    case 'floats':
      writer.message(1, (list) => attr.value.length > 0 && list.packedFloats(4, attr.value));
      return;
    case 'bools':
      writer.message(1, (list) => attr.value.length > 0 && list.packedInts(5, attr.value));
      return;
  }
}

function writeShape(writer: ProtoWriter, dims: readonly number[]): void {
  dims.forEach((size) => writer.message(2, (dim) => dim.int(1, size)));
}

function writeTensor(writer: ProtoWriter, tensor: TensorValue): void {
  writer.int(1, tensor.dtype);
  writer.message(2, (shape) => writeShape(shape, tensor.shape));
  if (tensor.filled !== true) {
    writer.bytes(4, tensor.content);
    return;
  }
  // TensorProto's typed fields: float_val 5, int_val 7, bool_val 11 (packed).
  const view = new DataView(tensor.content.buffer, tensor.content.byteOffset, tensor.content.byteLength);
  if (tensor.dtype === DT.float) writer.packedFloats(5, [view.getFloat32(0, true)]);
  else if (tensor.dtype === DT.int32) writer.packedInts(7, [view.getInt32(0, true)]);
  else if (tensor.dtype === DT.bool) writer.packedInts(11, [view.getUint8(0) !== 0]);
  else throw new Error(`a filled tensor of TensorFlow dtype ${tensor.dtype} cannot be written`);
}

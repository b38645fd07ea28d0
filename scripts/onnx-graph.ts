import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Just enough of ONNX's protobuf schema to write small inference graphs deterministically. */
export type Attribute = number | number[] | string | FloatAttribute;

/**
 * A FLOAT attribute whatever its value. A plain number is written as INT when it is a whole number,
 * which an op expecting a float (LayerNormalization's epsilon, LeakyRelu's alpha) would reject.
 */
export interface FloatAttribute {
  float: number;
}

export function float(value: number): FloatAttribute {
  return { float: value };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface ValueSpec {
  name: string;
  type: 'float32' | 'int64';
  /** A string is a symbolic dimension, e.g. the batch size. */
  shape: (number | string)[];
}

export interface GraphSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: onnxProto.onnx.ITensorProto[];
  nodes: NodeSpec[];
  opset: number;
  docString?: string;
}

const elementType = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
} as const;

export function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`${name}: ${values.length} values for shape [${dims.join(',')}]`);
  return {
    name,
    dims,
    dataType: elementType.float32,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  };
}

export function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dims, dataType: elementType.int64, rawData: new Uint8Array(data.buffer) };
}

function attribute(name: string, value: Attribute): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return Number.isInteger(value)
    ? { name, type: AttributeType.INT, i: value }
    : { name, type: AttributeType.FLOAT, f: value };
}

function valueInfo(spec: ValueSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: elementType[spec.type],
        shape: {
          dim: spec.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}

export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'shoebox-scripts',
    docString: spec.docString ?? '',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: {
      name: spec.name,
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: spec.initializers,
      node: spec.nodes.map((node, index) => ({
        name: `${node.op.toLowerCase()}_${index}`,
        opType: node.op,
        input: node.inputs,
        output: node.outputs,
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

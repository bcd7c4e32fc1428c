/**
 * Model configuration schemas (zod 4). Every hyperparameter a model has is named here, with its default,
 * the way nanoGPT's GPTConfig or an argparse block shows them. Vocabulary sizes are not config: they come
 * from the tokenized data and are passed to the model constructor.
 */
import { z } from 'zod';

/** `lstm` (PyTorch nn.LSTM gate order i, f, g, o) or `gru` (nn.GRU: r, z, n; r applied to W_hn h + b_hn). */
export const CellTypeSchema = z.enum(['lstm', 'gru']);
export type CellType = z.infer<typeof CellTypeSchema>;

/**
 * `none`: the decoder starts from the (bridged) encoder state and sees nothing else (Sutskever et al. 2014).
 * `additive`: Bahdanau et al. 2015, score v·tanh(W s_{t-1} + U h_j); the context is fed into the cell input.
 * `dot` / `general`: Luong et al. 2015, score h_t·h_j or h_t·W h_j, output tanh(W_c [c_t; h_t]).
 */
export const AttentionTypeSchema = z.enum(['none', 'additive', 'dot', 'general']);
export type AttentionType = z.infer<typeof AttentionTypeSchema>;

/**
 * How a bidirectional encoder's two final states become the decoder's initial state (per layer), and what the
 * attention memory holds:
 * `concat-linear`: h0 = tanh(W_h [h_fwd; h_bwd] + b_h), c0 = W_c [c_fwd; c_bwd] + b_c; memory rows are
 *   [h_fwd; h_bwd] (2 x hiddenDim wide).
 * `sum`: h0 = h_fwd + h_bwd, c0 = c_fwd + c_bwd; memory rows are h_fwd + h_bwd (hiddenDim wide).
 * Unused for a unidirectional encoder (its final state is passed through unchanged).
 */
export const BridgeTypeSchema = z.enum(['concat-linear', 'sum']);
export type BridgeType = z.infer<typeof BridgeTypeSchema>;

const rate = (field: string) =>
  z
    .number()
    .min(0, { message: `${field} must be in [0, 1)` })
    .lt(1, { message: `${field} must be in [0, 1)` });

/** All three are off when `training: false`. Masks are drawn from the forward pass's `dropoutRng`. */
export const RecurrentDropoutSchema = z
  .strictObject({
    /**
     * Variational dropout (Gal & Ghahramani 2016): one mask per sequence, reused at every time step, on each
     * layer's input, on the hidden state fed back into the recurrence, and on the top layer's output.
     */
    variational: rate('dropout.variational').default(0),
    /** DropConnect on the hidden-to-hidden weights (AWD-LSTM weight drop): one mask per forward pass. */
    weightDrop: rate('dropout.weightDrop').default(0),
    /** Embedding dropout: whole word types are dropped (rows of the embedding matrix), one mask per forward. */
    embedding: rate('dropout.embedding').default(0),
  })
  .prefault({});
export type RecurrentDropoutConfig = z.infer<typeof RecurrentDropoutSchema>;

/**
 * `uniform`: PyTorch's default, every recurrent and linear weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)).
 * `glorot`: Glorot-uniform weights, zero biases.
 * `orthogonal`: Keras' LSTM default: Glorot-uniform input weights, orthogonal recurrent weights, zero biases.
 * Embeddings are N(0, 1) in every scheme (PyTorch nn.Embedding). The seed is the model's, not the config's.
 */
export const InitialisationSchema = z
  .strictObject({
    scheme: z.enum(['uniform', 'glorot', 'orthogonal']).default('uniform'),
    /** Added to the LSTM forget-gate bias (0 as in PyTorch; 1 as recommended by Jozefowicz et al. 2015). */
    forgetBias: z.number().default(0),
  })
  .prefault({});
export type InitialisationConfig = z.infer<typeof InitialisationSchema>;

const positiveInt = z.number().int().positive();

export const Seq2SeqModelConfigSchema = z
  .strictObject({
    cell: CellTypeSchema.default('lstm'),
    embeddingDim: positiveInt.default(64),
    hiddenDim: positiveInt.default(128),
    /** Stacked layers, the same count in the encoder and the decoder. */
    layers: positiveInt.max(8).default(1),
    bidirectional: z.boolean().default(false),
    bridge: BridgeTypeSchema.default('concat-linear'),
    attention: AttentionTypeSchema.default('none'),
    /** Width of the additive attention's hidden layer; defaults to hiddenDim. Only for `additive`. */
    attentionDim: positiveInt.optional(),
    /** Luong input feeding: the previous attentional vector h~_{t-1} is concatenated to the decoder input. */
    inputFeeding: z.boolean().default(false),
    /** Output projection = target embedding matrix transposed (Press & Wolf 2017). Needs hiddenDim == embeddingDim. */
    tieEmbeddings: z.boolean().default(false),
    dropout: RecurrentDropoutSchema,
    initialisation: InitialisationSchema,
  })
  .superRefine((config, ctx) => {
    if (config.inputFeeding && config.attention !== 'dot' && config.attention !== 'general') {
      ctx.addIssue({
        code: 'custom',
        path: ['inputFeeding'],
        message: `inputFeeding is Luong's (attention 'dot' or 'general'), got attention '${config.attention}'`,
      });
    }
    const memoryDim = config.bidirectional && config.bridge === 'concat-linear' ? 2 * config.hiddenDim : config.hiddenDim;
    if (config.attention === 'dot' && memoryDim !== config.hiddenDim) {
      ctx.addIssue({
        code: 'custom',
        path: ['attention'],
        message:
          `attention 'dot' needs encoder outputs as wide as the decoder state (${config.hiddenDim}), but a ` +
          `bidirectional encoder with bridge 'concat-linear' gives ${memoryDim}: use bridge 'sum' or attention 'general'`,
      });
    }
    if (config.attentionDim !== undefined && config.attention !== 'additive') {
      ctx.addIssue({
        code: 'custom',
        path: ['attentionDim'],
        message: `attentionDim is only used by attention 'additive', got attention '${config.attention}'`,
      });
    }
    if (config.tieEmbeddings && config.hiddenDim !== config.embeddingDim) {
      ctx.addIssue({
        code: 'custom',
        path: ['tieEmbeddings'],
        message:
          `tieEmbeddings needs hiddenDim == embeddingDim (the decoder output is projected by the embedding ` +
          `matrix), got hiddenDim ${config.hiddenDim} and embeddingDim ${config.embeddingDim}`,
      });
    }
  });
export type Seq2SeqModelConfig = z.infer<typeof Seq2SeqModelConfigSchema>;
export type Seq2SeqModelConfigInput = z.input<typeof Seq2SeqModelConfigSchema>;

/** Defaults follow pytorch/examples word_language_model (emsize 200, nhid 200, nlayers 2). */
export const LanguageModelConfigSchema = z
  .strictObject({
    cell: CellTypeSchema.default('lstm'),
    embeddingDim: positiveInt.default(200),
    hiddenDim: positiveInt.default(200),
    layers: positiveInt.max(8).default(2),
    /** Needs hiddenDim == embeddingDim and equal input and output vocabularies. */
    tieEmbeddings: z.boolean().default(false),
    dropout: RecurrentDropoutSchema,
    initialisation: InitialisationSchema,
  })
  .superRefine((config, ctx) => {
    if (config.tieEmbeddings && config.hiddenDim !== config.embeddingDim) {
      ctx.addIssue({
        code: 'custom',
        path: ['tieEmbeddings'],
        message:
          `tieEmbeddings needs hiddenDim == embeddingDim, got hiddenDim ${config.hiddenDim} and ` +
          `embeddingDim ${config.embeddingDim}`,
      });
    }
  });
export type LanguageModelConfig = z.infer<typeof LanguageModelConfigSchema>;
export type LanguageModelConfigInput = z.input<typeof LanguageModelConfigSchema>;

/** A model config that failed validation; the message names the origin (file), each field and value. */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
  constructor(
    readonly origin: string,
    readonly issues: readonly { readonly path: string; readonly message: string; readonly value: unknown }[],
  ) {
    super(`${origin}: invalid model config:\n${issues.map((i) => `  ${i.path}: ${i.message} (got ${JSON.stringify(i.value)})`).join('\n')}`);
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, origin: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ModelConfigError(
    origin,
    result.error.issues.map((issue) => ({
      path: issue.path.length === 0 ? '(root)' : issue.path.join('.'),
      message: issue.message,
      value: valueAt(value, issue.path),
    })),
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Validates a seq2seq model config; `origin` (a file name, or a description) prefixes the error. */
export function parseSeq2SeqModelConfig(value: unknown, origin = 'seq2seq model config'): Seq2SeqModelConfig {
  return parseWith(Seq2SeqModelConfigSchema, value, origin);
}

export function parseLanguageModelConfig(value: unknown, origin = 'language model config'): LanguageModelConfig {
  return parseWith(LanguageModelConfigSchema, value, origin);
}

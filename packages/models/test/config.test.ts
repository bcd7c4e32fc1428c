import { describe, expect, it } from 'vitest';
import { LanguageModelConfigSchema, ModelConfigError, parseSeq2SeqModelConfig, Seq2SeqModelConfigSchema } from '@bptt/models';

describe('model config schemas', () => {
  it('fill documented defaults', () => {
    expect(Seq2SeqModelConfigSchema.parse({})).toEqual({
      cell: 'lstm',
      embeddingDim: 64,
      hiddenDim: 128,
      layers: 1,
      bidirectional: false,
      bridge: 'concat-linear',
      attention: 'none',
      inputFeeding: false,
      tieEmbeddings: false,
      dropout: { variational: 0, weightDrop: 0, embedding: 0 },
      initialisation: { scheme: 'uniform', forgetBias: 0 },
    });
    expect(LanguageModelConfigSchema.parse({ dropout: { variational: 0.2 } })).toMatchObject({ embeddingDim: 200, hiddenDim: 200, layers: 2, dropout: { variational: 0.2, weightDrop: 0 } });
  });

  it('errors name the origin, the field and the value', () => {
    const attempt = () => parseSeq2SeqModelConfig({ hiddenDim: 0, dropout: { variational: 1 }, extra: true }, 'experiments/a.json');
    expect(attempt).toThrow(ModelConfigError);
    expect(attempt).toThrow(/^experiments\/a.json: invalid model config:/);
    expect(attempt).toThrow(/hiddenDim: .* \(got 0\)/);
    expect(attempt).toThrow(/dropout.variational: dropout.variational must be in \[0, 1\) \(got 1\)/);
    expect(attempt).toThrow(/extra/);
  });

  it('reject impossible combinations', () => {
    expect(() => parseSeq2SeqModelConfig({ attention: 'dot', bidirectional: true })).toThrow(/attention: attention 'dot' needs encoder outputs as wide as the decoder state \(128\).*gives 256/);
    expect(() => parseSeq2SeqModelConfig({ attention: 'dot', bidirectional: true, bridge: 'sum' })).not.toThrow();
    expect(() => parseSeq2SeqModelConfig({ inputFeeding: true, attention: 'additive' })).toThrow(/inputFeeding: inputFeeding is Luong's .* got attention 'additive'/);
    expect(() => parseSeq2SeqModelConfig({ tieEmbeddings: true, embeddingDim: 64, hiddenDim: 128 })).toThrow(/tieEmbeddings needs hiddenDim == embeddingDim .*got hiddenDim 128 and embeddingDim 64/);
    expect(() => parseSeq2SeqModelConfig({ attentionDim: 32 })).toThrow(/attentionDim: attentionDim is only used by attention 'additive'/);
  });
});

/** What the decoders return, as plain JSON-able data. */

export interface DecodedSequence {
  /** Output token ids, without BOS and EOS. */
  readonly tokens: number[];
  /** True when the decoder emitted EOS within maxLength. */
  readonly finished: boolean;
  /** Sum of the log-probabilities of the emitted tokens (EOS included when finished). */
  readonly logProb: number;
  /**
   * Attention weights (attention models only): one row per decoder step (tokens, plus EOS when finished), one
   * column per real source position (the appended source EOS included). Rows sum to 1.
   */
  readonly attention?: number[][];
}

export interface ScoredSequence extends DecodedSequence {
  /** The ranking score: logProb / lengthPenalty(steps) (GNMT); equals logProb when alpha = 0. */
  readonly score: number;
}

export interface BeamSearchResult {
  /** The highest-scoring hypothesis (a finished one when any finished). */
  readonly best: ScoredSequence;
  /** Up to `width` hypotheses, finished ones first, each group by descending score. */
  readonly hypotheses: ScoredSequence[];
}

export interface TeacherForcedPrediction {
  /** At each real target position (EOS position included): the argmax given the gold prefix. */
  readonly predicted: number[];
  /** The gold tokens at those positions (the target followed by EOS). */
  readonly gold: number[];
  /** [target positions][real source positions] for attention models. */
  readonly attention?: number[][];
}

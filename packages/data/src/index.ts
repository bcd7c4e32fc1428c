export * from './random.ts';
export * from './stable-json.ts';
export * from './errors.ts';
export * from './config.ts';
export * from './dataset.ts';
export * from './card.ts';
export * from './tasks.ts';
export * from './create-dataset.ts';
export { buildDataCard } from './dataset-card.ts';
export { symbolAlphabet, BLANK_SYMBOL } from './synthetic/alphabet.ts';
export { drawUniqueSplits, type UniqueDrawOptions } from './synthetic/unique-splits.ts';
export {
  DATE_FORMAT_NAMES,
  TWO_DIGIT_YEAR_FORMATS,
  MONTH_NAMES,
  WEEKDAY_NAMES,
  formatDate,
  ordinalSuffix,
  type DateFormatName,
  type DateToFormat,
} from './synthetic/date-formats.ts';
export { parseHumanDate, type ParsedDate, type ParseDateOptions } from './synthetic/date-parse.ts';
export {
  civilFromDays,
  daysFromCivil,
  isoWeekdayIndex,
  toIsoDate,
  type CivilDate,
} from './synthetic/calendar.ts';
export { spanishNumberWords, parseSpanishNumber, SPANISH_MAX } from './synthetic/spanish-numbers.ts';
export {
  englishNumberWords,
  parseEnglishNumber,
  ENGLISH_MAX,
  type EnglishWordsOptions,
} from './synthetic/english-numbers.ts';
export {
  readCmudict,
  parseCmudictModule,
  cmudictExamples,
  stripStress,
  type CmudictEntry,
} from './corpora/cmudict.ts';
export {
  readBrownCorpus,
  parseBrownFile,
  splitBrownDocuments,
  evenlySpacedIndices,
  type BrownDocument,
} from './corpora/brown.ts';
export * from './tokenize/tokenize.ts';
export * from './tokenize/vocabulary.ts';
export * from './tokenize/encode.ts';
export * from './tokenize/tokenize-dataset.ts';
export * from './files/dataset-files.ts';
export * from './files/tokenized-files.ts';

export * from './random.ts';
export * from './stable-json.ts';

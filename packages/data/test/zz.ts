import { createDataset, datasetToFiles, tokenizeDataset, tokenizedToFiles } from '@bptt/data';
const b = createDataset({ task: 'brown', maxTokens: { train: 20000 } });
console.log(tokenizedToFiles(tokenizeDataset(b, { minFrequency: 2 }))['CARD.md']);
console.log(datasetToFiles(createDataset({ task: 'delayed-recall' }))['CARD.md']);
console.log(datasetToFiles(createDataset({ task: 'numbers-es-en', sizes: {train: 3, valid: 1, test: 1} }))['card.json']);
try { createDataset({ task: 'copy', length: { min: 1, max: 1 }, sizes: { train: 5, valid: 3, test: 2 } }); } catch (e) { console.log(String(e)); }
try { createDataset({ task: 'dates', years: { min: 1950, max: 1950 }, formats: ['D.M.YYYY'], sizes: { train: 300, valid: 60, test: 5 } }); } catch (e) { console.log(String(e)); }
try { createDataset({ task: 'dates', years: { min: 1950, max: 1950 }, formats: ['D.M.YYYY'], sizes: { train: 300, valid: 60, test: 6 } }); } catch (e) { console.log(String(e)); }

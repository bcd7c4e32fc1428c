import { initBackend } from '@bptt/models';
const info = await initBackend('auto');
console.log(JSON.stringify(info, null, 1));

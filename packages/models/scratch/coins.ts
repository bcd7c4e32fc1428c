import { createRng } from '@bptt/data';
import { planTeacherForcing } from '@bptt/models';
console.log(JSON.stringify(planTeacherForcing({ ratio: 0.5, rng: createRng(1) }, 2, 5)));
const r = createRng(1); console.log([1,2,3,4,5,6,7,8].map(() => r.next().toFixed(3)).join(' '));

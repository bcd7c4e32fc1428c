/** The group sections, in report order: a section appears when some run names its group. */
import type { Section } from '../../../report/index.ts';
import { attentionSection } from './attention.ts';
import { basicSection } from './basic.ts';
import { clippingSection } from './clipping.ts';
import type { SectionInput } from './common.ts';
import { dropoutSection } from './dropout.ts';
import { exposureBiasSection } from './exposure-bias.ts';
import { g2pSection } from './g2p.ts';
import { lmSection } from './lm.ts';
import { teacherForcingSection } from './teacher-forcing.ts';
import { truncationSection } from './truncation.ts';

export interface GroupSection {
  /** The value of a run's `groups` entry; also the section's anchor id. */
  readonly group: string;
  readonly build: (input: SectionInput) => Section;
}

export const GROUP_SECTIONS: readonly GroupSection[] = [
  { group: 'basic', build: basicSection },
  { group: 'attention', build: attentionSection },
  { group: 'teacher-forcing', build: teacherForcingSection },
  { group: 'exposure-bias', build: exposureBiasSection },
  { group: 'truncation', build: truncationSection },
  { group: 'clipping', build: clippingSection },
  { group: 'dropout', build: dropoutSection },
  { group: 'g2p', build: g2pSection },
  { group: 'lm', build: lmSection },
];

export { overviewMeta, overviewSection } from './overview.ts';
export type { SectionInput } from './common.ts';

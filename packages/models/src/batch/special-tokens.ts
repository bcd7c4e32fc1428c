/** Fixed by @bptt/data's vocabularies (contract.ts conventions). */
export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;

/** `bptt why <project>:<target>`: what changed since the task last executed here (config fields, files, env). */
import { extractDeclaration } from '../declarations/extract.ts';
import { listDeclarationFiles, locateDeclaration, STAGES_OF, type StageName } from '../declarations/layout.ts';
import { describeDiff, diffFingerprints } from '../framework/fingerprint.ts';
import { computeFingerprint, readFingerprint } from '../framework/ledger.ts';

export async function explainRerun(workspaceRoot: string, task: string): Promise<string> {
  const [project, target] = task.split(':');
  const location = listDeclarationFiles(workspaceRoot)
    .map((file) => locateDeclaration(file))
    .find((l) => l?.projectName === project);
  if (!location) throw new Error(`no experiment project named "${project}" (see \`npx nx show projects\`)`);
  if (!target || !(STAGES_OF[location.kind] as readonly string[]).includes(target)) {
    throw new Error(`project ${project} has the stages ${STAGES_OF[location.kind].join(', ')}, not "${target}"`);
  }
  const previous = readFingerprint(workspaceRoot, task);
  if (!previous) {
    return `${task}: no execution recorded on this machine (it never ran here, or it was only restored from the Nx cache), so there is nothing to compare with.\n`;
  }
  const current = computeFingerprint(workspaceRoot, location, target as StageName, extractDeclaration(workspaceRoot, location.file));
  return describeDiff(task, diffFingerprints(previous, current));
}

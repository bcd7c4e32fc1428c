/**
 * Nx plugin: infers one project per experiment declaration, and one `pipelines:<name>` target per pipeline.
 * Declarations are read statically (ts-morph); nothing is executed while Nx builds the graph.
 */
import type { CreateNodesV2 } from '@nx/devkit';
import { extractDeclaration } from '../declarations/extract.ts';
import { EXPERIMENTS_DIR, locateDeclaration } from '../declarations/layout.ts';
import { buildPipelineGraph } from './targets.ts';

const PIPELINES_PACKAGE_ROOT = 'packages/pipelines';

export const createNodesV2: CreateNodesV2 = [
  `${EXPERIMENTS_DIR}/**/*.ts`,
  async (files, _options, context) => {
    const declarationFiles = files.filter((file) => locateDeclaration(file) !== undefined);
    const declarations = declarationFiles.map((file) => extractDeclaration(context.workspaceRoot, file));
    const graph = buildPipelineGraph(declarations);
    // Nx merges results by project root, so every project is returned once, under the first file that matched.
    const [first] = declarationFiles;
    if (first === undefined) return [];
    return [
      [
        first,
        {
          projects: {
            ...graph.projects,
            [PIPELINES_PACKAGE_ROOT]: { targets: graph.pipelineTargets },
          },
        },
      ],
    ];
  },
];

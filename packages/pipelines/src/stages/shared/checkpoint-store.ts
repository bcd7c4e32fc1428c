/**
 * Checkpoints on disk, outside the stage's output (which only appears, atomically, when the stage succeeds).
 * The folder is keyed by the declaration hash, so a checkpoint of an edited run is never resumed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, CheckpointStore } from '@bptt/train';

export class FileCheckpointStore implements CheckpointStore {
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, 'checkpoint.json');
  }

  async load(): Promise<Checkpoint | undefined> {
    if (!existsSync(this.file)) return undefined;
    return JSON.parse(readFileSync(this.file, 'utf8')) as Checkpoint;
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    // Write then rename: a kill during the write leaves the previous checkpoint intact.
    writeFileSync(`${this.file}.tmp`, JSON.stringify(checkpoint));
    renameSync(`${this.file}.tmp`, this.file);
  }

  /** Called once the stage's outputs are safely written. */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

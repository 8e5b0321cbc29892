/**
 * The migration's commands, handed off from the package's bin (bin/local.ts) when its first argument
 * names one: `open-cognito-sync migrate|export|import ...`.
 */
import { exportCommand, importCommand } from './file-commands';
import { migrateCommand } from './migrate/command';

export const MIGRATION_COMMANDS = ['migrate', 'export', 'import'] as const;
export type MigrationCommand = (typeof MIGRATION_COMMANDS)[number];

export const isMigrationCommand = (word: string | undefined): word is MigrationCommand =>
  (MIGRATION_COMMANDS as readonly (string | undefined)[]).includes(word);

/** Runs the command; resolves to the process's exit code. */
export function runMigrationCommand(command: MigrationCommand, argv: string[]): Promise<number> {
  switch (command) {
    case 'migrate':
      return migrateCommand(argv);
    case 'export':
      return exportCommand(argv);
    case 'import':
      return importCommand(argv);
  }
}

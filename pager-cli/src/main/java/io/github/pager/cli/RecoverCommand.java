package io.github.pager.cli;

import io.github.pager.core.PageFileRepair;
import io.github.pager.core.RepairPlan;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pager recover FILE}: repairs a file that does not open, or opens only by falling back:
 * rewrites a damaged superblock from what the metadata records say, and makes the newest metadata
 * copy whose whole tree and structures verify the one open uses. Backs the file up first, then
 * verifies.
 */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Repair a page file that does not open: a damaged superblock, or a newest commit whose tree or structures fail.",
      "Chooses the newest metadata copy that is valid and whose whole free-space tree and structures (those verify"
          + " checks) verify, says what it will write, copies the file to a backup (FILE.bak-<timestamp> unless"
          + " --backup or --in-place), writes, then opens the file to verify it. When no copy's structures verify,"
          + " chooses the newest whose tree does: a repair rewrites metadata, not structures. Refuses while a writer"
          + " or a reader in another process uses the file."
    })
final class RecoverCommand extends RepairCommand {
  @Option(names = "--dry-run", description = "say what would be written, write nothing")
  boolean dryRun;

  @Override
  String name() {
    return "recover";
  }

  @Override
  boolean dryRun() {
    return dryRun;
  }

  @Override
  RepairPlan plan(FileStorage storage, PageFileRepair.StructureCheck structures) throws IOException {
    return PageFileRepair.planRecover(storage, structures);
  }
}

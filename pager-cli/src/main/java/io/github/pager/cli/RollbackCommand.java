package io.github.pager.cli;

import io.github.pager.core.PageFileRepair;
import io.github.pager.core.RepairPlan;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import picocli.CommandLine.Command;

/**
 * {@code pager rollback FILE}: makes the alternate metadata copy, the commit before the newest,
 * the one open uses (bbolt's revert-meta-page, LMDB's previous snapshot). Backs the file up first,
 * then verifies.
 */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Make the commit before the newest current again, from the alternate metadata copy.",
      "Refuses when the alternate is not valid, its tree or one of its structures fails, the newest commit let its pages be reused, or the"
          + " superblock is damaged (run recover first). Copies the file to a backup first (FILE.bak-<timestamp> unless"
          + " --backup or --in-place), then writes one metadata record and opens the file to verify it. The pages"
          + " the application wrote in place since are not rolled back."
    })
final class RollbackCommand extends RepairCommand {
  @Override
  String name() {
    return "rollback";
  }

  @Override
  RepairPlan plan(FileStorage storage, PageFileRepair.StructureCheck structures) throws IOException {
    return PageFileRepair.planRollback(storage, structures);
  }
}

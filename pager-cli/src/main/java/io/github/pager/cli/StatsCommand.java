package io.github.pager.cli;

import io.github.pager.core.CommitLayout;
import io.github.pager.core.CommitLayout.TreeLevel;
import io.github.pager.core.CommitLayout.TreeShape;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code pager stats FILE}: the shape of a page file's newest commit: its trees' heights and fill,
 * its pages by owner, its free space as runs, and its bytes on disk. Only reads; a file that a
 * writer in another process holds is read through a snapshot of one commit.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Show tree heights and fill, pages by owner, free space as runs, and bytes on disk.",
      "Counts every page of the newest commit by its owner (the same labels as 'pager pages'); the counts add up"
          + " to the page count. Fragmentation is 1 - largest free run / free pages. Never writes."
    })
final class StatsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws Exception {
    Path file = pageFile.file;
    try (CommitView view = CommitView.open(InputFile.readable(file))) {
      FileStats stats = FileStats.read(view, file);
      PrintWriter out = spec.commandLine().getOut();
      if (json.on()) {
        out.println(JsonEnvelope.result("stats", ExitCode.OK, stats.toJson(file, view.writerLive())));
      } else {
        print(out, file, stats, view.writerLive());
      }
      return ExitCode.OK;
    }
  }

  private static void print(PrintWriter out, Path file, FileStats stats, boolean writerLive) {
    CommitLayout layout = stats.owners.layout();
    DiskUsage disk = stats.disk;
    out.printf("file        %s, generation %d%s%n", file, layout.generation(),
        writerLive ? " (a writer holds the file: its newest commit when read)" : "");
    out.printf("size        %,d bytes apparent, %s on disk; %,d pages of %,d bytes%n", disk.apparentBytes(),
        disk.onDisk().isPresent() ? String.format("%,d bytes", disk.onDisk().getAsLong()) : "unknown bytes",
        layout.pageCount(), layout.pageSize());
    out.printf("            %s%n", disk.explanation());
    out.printf("            %s%n", disk.tail());
    printTree(out, "free space  tree", layout.freeSpaceTree(), "");
    for (CommitLayout.Structure structure : layout.structures()) {
      String role = stats.role(structure);
      printTree(out, "structure   slot " + structure.slot() + ", "
          + (structure.isBitmap() ? "bitmap" : "array of " + structure.shape().recordSize() + "-byte records"),
          structure.shape(), role.isEmpty() ? "" : " (" + role + ")");
    }
    for (FileStats.SubPages sub : stats.subPages) {
      out.printf("sub-pages   allocator at slot %d: %,d parent page(s), %,d of %,d %d-byte sub-pages used (%s)%n",
          sub.baseSlot(), sub.parents(), sub.used(), sub.capacity(), sub.subPageSize(), percent(sub.fill()));
    }
    out.println("pages by owner");
    for (Map.Entry<String, Long> kind : stats.counts.byKind().entrySet()) {
      out.printf("  %-56s %,14d%n", PageCounts.KINDS.get(kind.getKey()), kind.getValue());
      if (kind.getKey().equals("structureNode")) {
        stats.counts.structureNodesBySlot().forEach((slot, pages) ->
            out.printf("    %-54s %,14d%n", "root slot " + slot, pages));
      }
    }
    out.printf("  %-56s %,14d%n", "total (the page count)", stats.counts.total());
    FreeRuns runs = stats.freeRuns;
    out.printf("free runs   %,d free page(s) in %,d run(s), the largest %,d; fragmentation %.3f"
        + " (1 - largest run / free pages)%n", runs.pages(), runs.runs(), runs.largest(), runs.fragmentation());
    for (FreeRuns.Bucket bucket : runs.histogram()) {
      String lengths = bucket.from() == bucket.to() ? Long.toString(bucket.from()) : bucket.from() + "-" + bucket.to();
      out.printf("  %-20s %,12d run(s) %,14d page(s)%n", "length " + lengths, bucket.runs(), bucket.pages());
    }
  }

  private static void printTree(PrintWriter out, String title, TreeShape shape, String role) {
    out.printf("%s: height %d, %,d node(s), fill %s%s%n", title, shape.height(), shape.nodes(), percent(shape.fill()), role);
    List<TreeLevel> levels = shape.levels();
    for (int i = levels.size() - 1; i >= 0; i--) {
      TreeLevel level = levels.get(i);
      String slots = level.level() > 0 ? "child entries" : shape.recordSize() == 0 ? "bits set" : "records written";
      out.printf("            level %d: %,d node(s), %,d of %,d %s (%s)%n", level.level(), level.nodes(), level.usedSlots(),
          level.slots(), slots, percent(level.fill()));
    }
  }

  /** One decimal, and "<0.1%" rather than a misleading "0.0%" for a little. */
  private static String percent(double fraction) {
    return fraction > 0 && fraction < 0.001 ? "<0.1%" : String.format("%.1f%%", fraction * 100);
  }
}

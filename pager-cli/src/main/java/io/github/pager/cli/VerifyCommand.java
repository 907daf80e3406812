package io.github.pager.cli;

import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageFileInspection.MetadataCopy;
import io.github.pager.core.Pager;
import io.github.pager.core.TreeReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pager verify FILE}: checks every checksum and structure it knows, and exits 0 only when
 * all is well. It never writes to the file. A file that a writer in another process holds is
 * checked as a snapshot of its newest commit: that commit's free-space tree, structures and page
 * accounting; problems found are reported only once it is clear that the writer did not reuse the
 * pages read (otherwise {@link ExitCode#STALE}).
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check every checksum and structure of a page file; exit 0 only when all is well. Never writes.",
      "Checks the superblock, both metadata copies, the free-space tree, every structure found under the"
          + " root values, and accounts for every allocated page. A metadata copy that fails its checks is a"
          + " problem (exit 1) whichever copy it is: the file then has no intact fallback."
    })
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Mixin JsonOption json = new JsonOption();

  @Option(
      names = "--strict",
      description = "count allocated pages that no known structure owns as problems (for files whose every page belongs to a structure)")
  boolean strict;

  @Override
  public Integer call() throws Exception {
    Path file = pageFile.file;
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = new Progress(spec.commandLine().getErr(), Progress.wanted(json.on()), 5);
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("file", file.toString());

    progress.step("superblock and metadata copies");
    PageFileInspection first = PageFileInspection.inspect(InputFile.readable(file));
    if (first.trustedSlot() == 0) {
      checkMetadataCopies(first, problems, notes);
      progress.finish();
      return finish(out, report, problems, notes, ExitCode.CORRUPT);
    }

    progress.step("snapshot of the newest commit");
    try (CommitView view = CommitView.open(file)) {
      Pager pager = view.pager();
      checkMetadataCopies(view.inspection(), problems, notes);
      if (view.writerLive()) {
        notes.add("a writer holds the file: checked generation " + pager.generation()
            + ", its newest commit when read");
      }
      progress.step("free-space tree");
      TreeReport tree = pager.verify(progress::within);
      problems.addAll(tree.problems());
      report.put("pageSize", pager.pageSize());
      report.put("pageCount", pager.pageCount());
      report.put("freePageCount", pager.freePageCount());
      report.put("generation", pager.generation());
      report.put("writerLive", view.writerLive());
      report.put("treeNodes", tree.treeNodeCount());
      report.put("pendingListPages", tree.pendingListPageCount());
      report.put("pendingPages", tree.pendingPageCount());

      progress.step("structures");
      KnownStructures structures = KnownStructures.find(pager);
      problems.addAll(structures.verify());
      List<Object> found = new ArrayList<>();
      for (KnownStructures.Found structure : structures.all()) {
        found.add(structure.toJson());
      }
      report.put("structures", found);

      progress.step("page accounting");
      Set<Long> owned = structures.ownedPages();
      long[] counts = new long[2]; // allocated, of which owned by no known structure
      double pageCount = pager.pageCount();
      pager.forEachAllocated(id -> {
        progress.within(id.index() / pageCount); // the pages come in increasing order
        counts[0]++;
        if (!owned.contains(id.index())) {
          counts[1]++;
        }
      });
      progress.within(1);
      long allocated = counts[0];
      long unowned = counts[1];
      for (long page : owned) {
        if (page >= pager.pageCount() || !pager.isAllocated(pager.pageId(page))) {
          problems.add("page " + page + " belongs to a structure but is not allocated");
        }
      }
      report.put("allocatedPages", allocated);
      report.put("pagesOwnedByStructures", owned.size());
      report.put("pagesOwnedByNoKnownStructure", unowned);
      String unownedLine = unowned + " allocated page(s) belong to no known structure (the application's own pages, or leaks)";
      if (unowned > 0) {
        (strict ? problems : notes).add(unownedLine);
      }
      if (!problems.isEmpty()) {
        // Before anything is called damage: a writer that overtook this snapshot may have reused
        // the pages that failed.
        view.requireCurrent("what failed the checks");
      }
    }
    progress.finish();
    return finish(out, report, problems, notes, problems.isEmpty() ? ExitCode.OK : ExitCode.PROBLEMS);
  }

  /**
   * A copy that fails its checks is a problem whichever it is: the newest commit's record torn or
   * damaged, or the previous one's; either way the file has no intact fallback until its next
   * commit rewrites that copy. Right after create only copy A exists, which is no problem.
   */
  private static void checkMetadataCopies(PageFileInspection inspection, List<String> problems, List<String> notes) {
    for (int slot = 1; slot <= 2; slot++) {
      MetadataCopy copy = inspection.copy(slot);
      if (copy.usable()) {
        continue;
      }
      String line = "metadata copy " + (slot == 1 ? "A" : "B") + " (page " + slot + "): " + copy.problem();
      if (inspection.generation() <= 1 && copy.generation() == 0 && slot == 2) {
        notes.add(line + " (not written yet: the file has had no commit since it was created)");
      } else {
        problems.add((slot == inspection.activeSlot() ? "active " : "alternate ") + line
            + "; the file has no intact fallback copy until its next commit");
      }
    }
  }

  private int finish(PrintWriter out, Map<String, Object> report, List<String> problems, List<String> notes, int code) {
    report.put("problems", problems);
    report.put("notes", notes);
    if (json.on()) {
      out.println(JsonEnvelope.result("verify", code, report));
      return code;
    }
    Path file = pageFile.file;
    for (Map.Entry<String, Object> entry : report.entrySet()) {
      if (entry.getValue() instanceof List<?> list && entry.getKey().equals("structures")) {
        for (Object structure : list) {
          if (structure instanceof Map<?, ?> map) {
            out.printf("%-28s slots %s-%s: %s%n", "structure", map.get("firstSlot"), map.get("lastSlot"),
                map.get("description"));
          }
        }
      } else if (!List.of("problems", "notes", "file").contains(entry.getKey())) {
        out.printf("%-28s %s%n", entry.getKey(), entry.getValue());
      }
    }
    notes.forEach(note -> out.println("note: " + note));
    problems.forEach(problem -> out.println("PROBLEM: " + problem));
    out.println(problems.isEmpty() ? "verify: " + file + " is consistent" : "verify: " + file + ": " + problems.size() + " problem(s)");
    return code;
  }
}

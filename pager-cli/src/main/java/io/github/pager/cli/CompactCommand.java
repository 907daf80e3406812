package io.github.pager.cli;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.CompactionRefusedException;
import io.github.pager.core.CompactionReport;
import io.github.pager.core.PageFileCompaction;
import io.github.pager.core.PageRelocator;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.StructureRelocator;
import io.github.pager.core.Transaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageRelocator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code pager compact FILE}: shrinks a page file in place ({@link PageFileCompaction}), moving the
 * pages the pager and the layers it knows own below the highest user page, then cutting the free
 * tail; then opens the file again and verifies it.
 */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = {
      "Shrink a page file: move the free-space tree's nodes, protected pages' copies and directory, and"
          + " sub-page allocators' bitmaps below the highest user page, then cut the free tail off.",
      "User pages and sub-page parent pages never move (their ids are their places). Every move is a commit,"
          + " so a crash leaves the file at one of them; run the command again to finish. Needs the file to"
          + " itself: refuses while a writer or a registered reader uses it. Verifies the file afterwards."
    })
final class CompactCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Mixin JsonOption json = new JsonOption();

  /**
   * Compacts, verifies and reports. A refusal ({@link CompactionRefusedException}: the file is in
   * use, and nothing was written) and every other failure go to {@link Main}'s handler, which
   * prints them as every command's failures ({@link Failures}).
   */
  @Override
  public Integer call() throws IOException {
    Path file = pageFile.file;
    InputFile.readable(file);
    OptionalLong diskBefore = FileChecks.bytesOnDisk(file);
    List<String> notMoved = new ArrayList<>();
    CompactionReport done = PageFileCompaction.compact(file, pager -> layers(pager, notMoved));
    OptionalLong diskAfter = FileChecks.bytesOnDisk(file);
    List<String> problems = verify(file);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("file", file.toString());
    report.put("pageSize", done.pageSize());
    report.put("before", size(done.pageCountBefore(), done.bytesBefore(), diskBefore));
    report.put("after", size(done.pageCountAfter(), done.bytesAfter(), diskAfter));
    report.put("pagesMoved", done.pagesMoved());
    // A list, not an object keyed by owner: JSON keys are the schema's, owners are data.
    List<Object> moved = new ArrayList<>();
    done.moved().forEach((owner, pages) -> {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("name", owner);
      one.put("pagesMoved", pages);
      moved.add(one);
    });
    report.put("moved", moved);
    report.put("commits", done.commits());
    report.put("lastPage", done.lastPage());
    report.put("lastPageOwner", done.lastPageOwner());
    report.put("notMoved", notMoved);
    report.put("notes", done.notes());
    report.put("verified", problems.isEmpty());
    report.put("problems", problems);

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    problems.forEach(problem -> err.println("pager compact: after compaction: " + problem));
    int code = problems.isEmpty() ? ExitCode.OK : ExitCode.CORRUPT;
    if (json.on()) {
      out.println(JsonEnvelope.result("compact", code, report));
    } else {
      print(out, done, diskBefore, diskAfter, notMoved, problems.isEmpty());
    }
    return code;
  }

  /**
   * The relocators of the layers the file holds, found as {@code pager info} finds them; what none
   * can move goes to {@code notMoved}.
   */
  private static List<PageRelocator> layers(Pager pager, List<String> notMoved) throws IOException {
    List<PageRelocator> relocators = new ArrayList<>();
    for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
      if (SubPageAllocator.storedSubPageSize(pager, slot).isPresent()) {
        int last = slot + SubPageAllocator.ROOT_SLOTS_USED - 1;
        String name = "sub-page allocator at slots " + slot + "-" + last;
        // FORMAT.md, "Sub-page allocator": the used bitmap at b+1, the partial bitmap at b+3.
        relocators.add(StructureRelocator.bitmap(pager, slot + 1, name + ", used bitmap"));
        relocators.add(StructureRelocator.bitmap(pager, slot + 3, name + ", partial bitmap"));
        notMoved.add(name + ": its parent pages, which sub-page handles name");
        slot = last;
      } else if (ProtectedPageAllocator.isStoredAt(pager, slot)) {
        relocators.add(ProtectedPageRelocator.of(ProtectedPageAllocator.open(pager, slot)));
        slot += ProtectedPageAllocator.ROOT_SLOTS_USED - 1;
      }
    }
    return relocators;
  }

  /** Opens the compacted file as any reader would: its tree and every known layer must check out. */
  private static List<String> verify(Path file) throws IOException {
    List<String> problems = new ArrayList<>();
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      problems.addAll(pager.verify(fraction -> {}).problems());
      problems.addAll(KnownStructures.find(pager).verify());
    } catch (IOException e) {
      problems.add("does not open: " + Failures.message(e));
    }
    return problems;
  }

  private static Map<String, Object> size(long pageCount, long bytes, OptionalLong onDisk) {
    Map<String, Object> size = new LinkedHashMap<>();
    size.put("pageCount", pageCount);
    size.put("apparentBytes", bytes);
    size.put("bytesOnDisk", onDisk.isPresent() ? onDisk.getAsLong() : "unknown");
    return size;
  }

  private void print(
      PrintWriter out, CompactionReport done, OptionalLong diskBefore, OptionalLong diskAfter, List<String> notMoved,
      boolean verified) {
    out.printf("file        %s, page size %,d%n", pageFile.file, done.pageSize());
    out.printf("before      %s%n", describe(done.pageCountBefore(), done.bytesBefore(), diskBefore));
    out.printf("after       %s%n", describe(done.pageCountAfter(), done.bytesAfter(), diskAfter));
    List<String> parts = new ArrayList<>();
    done.moved().forEach((owner, count) -> {
      if (count > 0) {
        parts.add(String.format("%s %,d", owner, count));
      }
    });
    out.printf("moved       %,d page(s) in %d commit(s)%s%n", done.pagesMoved(), done.commits(),
        parts.isEmpty() ? "" : ": " + String.join(", ", parts));
    out.printf("ends at     page %,d: %s%n", done.lastPage(), done.lastPageOwner());
    for (String what : notMoved) {
      out.printf("not moved   %s%n", what);
    }
    for (String note : done.notes()) {
      out.printf("note        %s%n", note);
    }
    long saved = done.bytesBefore() - done.bytesAfter();
    out.println(!verified
        ? "compact: done, but the file does not verify"
        : saved > 0
            ? String.format("compact: done: %,d bytes smaller; the file verifies", saved)
            : "compact: nothing to cut: the file ends at its last page in use; the file verifies");
  }

  private static String describe(long pageCount, long bytes, OptionalLong onDisk) {
    return String.format("%,d bytes (%s on disk), %,d pages", bytes,
        onDisk.isPresent() ? String.format("%,d", onDisk.getAsLong()) : "unknown", pageCount);
  }
}

package io.github.pager.cli;

import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageFileInspection.MetadataCopy;
import io.github.pager.core.Pager;
import io.github.pager.core.PendingPages;
import io.github.pager.core.Transaction;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * {@code pager info FILE}: what a page file is made of, as of its newest commit. Only reads; a
 * file that a writer in another process holds is read through a snapshot of one commit.
 */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
      "Show a page file's size, page counts, metadata copies, root values and structures.",
      "Checks only the superblock and the metadata copies (with their tree roots), not the trees and"
          + " structures below them: run 'pager verify FILE' for that."
    })
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Mixin JsonOption json = new JsonOption();

  @Override
  public Integer call() throws Exception {
    Path file = pageFile.file;
    try (CommitView view = CommitView.open(InputFile.readable(file))) {
      Pager pager = view.pager();
      PageFileInspection inspection = view.inspection();
      OptionalLong onDisk = FileChecks.bytesOnDisk(file);
      KnownStructures structures = KnownStructures.find(pager);
      int trusted = inspection.trustedSlot();
      MetadataCopy used = inspection.copy(trusted);
      MetadataCopy other = inspection.copy(3 - trusted);
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("file", file.toString());
      info.put("apparentBytes", inspection.fileSize());
      info.put("bytesOnDisk", onDisk);
      info.put("formatVersion", inspection.formatVersion());
      info.put("pageSize", pager.pageSize());
      info.put("pageCount", pager.pageCount());
      info.put("freePageCount", pager.freePageCount());
      info.put("activeMetadata", copyName(trusted));
      info.put("generation", pager.generation());
      info.put("writerLive", view.writerLive());
      info.put("openedFromAlternate", pager.openedFromAlternate());
      info.put("alternateMetadata", copyName(other.page()));
      info.put("alternateGeneration", other.generation());
      info.put("alternateUsable", other.usable());
      info.put("treeRootPage", used.treeRoot());
      info.put("treeHeight", used.treeHeight());
      // Other registered readers (this command's own pager is one, and is left out): a reader
      // left open holds back every page freed after its generation, and the file grows.
      boolean tableKnown = pager.isRegisteredReader();
      int liveReaders = tableKnown ? pager.liveReaders() : 0;
      long oldestReader = tableKnown ? pager.oldestReaderGeneration() : Long.MAX_VALUE;
      info.put("liveReaders", tableKnown ? OptionalInt.of(liveReaders) : OptionalInt.empty());
      info.put("oldestReaderGeneration", oldestReader == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(oldestReader));
      PendingPages pending = pager.pendingPages();
      info.put("pendingPages", pending.pending());
      info.put("pendingListPages", pending.listPages());
      info.put("pagesHeldForReaders", pending.heldForReaders());
      Map<String, Object> roots = new LinkedHashMap<>();
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        if (pager.root(slot) != 0) {
          roots.put(Integer.toString(slot), pager.root(slot));
        }
      }
      info.put("roots", roots);
      List<Object> found = new ArrayList<>();
      for (KnownStructures.Found structure : structures.all()) {
        found.add(structure.toJson());
      }
      info.put("structures", found);

      PrintWriter out = spec.commandLine().getOut();
      if (json.on()) {
        out.println(JsonEnvelope.result("info", ExitCode.OK, info));
        return ExitCode.OK;
      }
      out.printf("file        %s%n", file);
      out.printf("size        %,d bytes apparent, %s on disk%n", inspection.fileSize(),
          onDisk.isPresent() ? String.format("%,d bytes", onDisk.getAsLong()) : "unknown bytes");
      out.printf("format      version %d, page size %d bytes%n", inspection.formatVersion(), pager.pageSize());
      out.printf("pages       %,d (3 reserved), %,d free%n", pager.pageCount(), pager.freePageCount());
      if (view.writerLive()) {
        out.printf("writer      live: a writer holds the file; this shows generation %d, "
            + "its newest commit when read%n", pager.generation());
      }
      out.printf("metadata    active: copy %s (page %d), generation %d%s%n", copyName(trusted), trusted,
          pager.generation(), pager.openedFromAlternate() ? " (FALLBACK: the newest copy's free-space tree root is damaged)" : "");
      out.printf("            alternate: copy %s, generation %d, %s%n", copyName(other.page()), other.generation(),
          other.usable() ? "usable" : "not usable (" + other.problem() + ")");
      out.printf("free space  tree root at page %d, height %d%n", used.treeRoot(), used.treeHeight());
      if (!tableKnown) {
        out.println("readers     unknown (the lock file cannot be opened for writing)");
      } else if (liveReaders == 0) {
        out.println("readers     none registered");
      } else {
        out.printf("readers     %d registered, the oldest reads generation %d (%d behind)%n", liveReaders, oldestReader,
            pager.generation() - oldestReader);
      }
      out.printf("pending     %,d freed page(s) not reusable yet, %,d of them held for readers; listed in the record and %d chain page(s)%n",
          pending.pending(), pending.heldForReaders(), pending.listPages());
      if (roots.isEmpty()) {
        out.println("roots       none set");
      }
      boolean first = true;
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        long value = pager.root(slot);
        if (value != 0) {
          out.printf("%s slot %2d = %d (0x%x)%s%n", first ? "roots      " : "           ", slot, value, value,
              structures.claims(slot) ? "  (kept by a structure below)" : "");
          first = false;
        }
      }
      if (structures.all().isEmpty()) {
        out.println("structures  none known (pages are the application's own)");
      }
      for (KnownStructures.Found structure : structures.all()) {
        out.printf("structure   slots %d-%d: %s%n", structure.firstSlot(), structure.lastSlot(), structure.description());
      }
      out.printf("checked     superblock and metadata copies only; 'pager verify %s' checks the trees and structures%n",
          file);
      return ExitCode.OK;
    }
  }

  private static String copyName(int slot) {
    return slot == 1 ? "A" : slot == 2 ? "B" : "none";
  }
}

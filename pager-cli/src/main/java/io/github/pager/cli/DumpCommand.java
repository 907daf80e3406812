package io.github.pager.cli;

import io.github.pager.core.PageFileException;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageFileInspection.MetadataCopy;
import io.github.pager.core.Snapshot;
import io.github.pager.core.StaleViewException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pager dump FILE PAGE}: one page in hex, with a decoded view of fixed pages. Only reads. A
 * data page of a file that a writer in another process holds is read from a snapshot of its newest
 * commit; a file that does not open is shown as its bytes are.
 */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = "Print one page in hex (runs of identical lines folded into '*'), decoding the superblock and metadata pages.")
final class DumpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PageFileParameter pageFile = new PageFileParameter();

  @Parameters(index = "1", paramLabel = "PAGE", description = "the page index, from 0")
  long page;

  @Option(names = "--page-size", paramLabel = "<bytes>", description = "the page size to assume when the superblock is unreadable")
  int pageSizeOverride;

  @Mixin JsonOption json = new JsonOption();

  private Path file = Path.of("");

  @Override
  public Integer call() throws Exception {
    file = pageFile.file;
    PrintWriter out = spec.commandLine().getOut();
    InputFile.readable(file);
    if (pageSizeOverride != 0) {
      return dump(out, pageSizeOverride, null, null, null);
    }
    PageFileInspection inspection = PageFileInspection.inspect(file);
    CommitView view;
    try {
      view = CommitView.open(file);
    } catch (StaleViewException stale) {
      throw stale;
    } catch (PageFileException unopenable) {
      // A damaged file is what dump is for: show its bytes as they are.
      return dump(out, inspection.pageSize(), inspection, null, Failures.message(unopenable));
    }
    try (view) {
      return dump(out, inspection.pageSize(), view.inspection(), view, null);
    }
  }

  /**
   * Prints the page: read through the snapshot when it is one of the snapshot's data pages, as
   * the file holds it otherwise (the superblock, the metadata pages, pages past the page count).
   */
  private int dump(
      PrintWriter out, int pageSize, @Nullable PageFileInspection inspection, @Nullable CommitView view,
      @Nullable String unopenable) throws IOException {
    byte[] bytes;
    boolean fromSnapshot = false;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long pages = channel.size() / pageSize;
      if (page < 0 || page >= pages) {
        throw new ParameterException(spec.commandLine(),
            "page " + page + " is outside " + file + ", which holds pages 0 to " + (pages - 1));
      }
      if (view != null && page >= 3 && page < view.snapshot().pageCount()) {
        Snapshot snapshot = view.snapshot();
        bytes = snapshot.page(snapshot.pageId(page)).toByteArray();
        fromSnapshot = true;
      } else {
        ByteBuffer buffer = ByteBuffer.allocate(pageSize);
        while (buffer.hasRemaining() && channel.read(buffer, page * pageSize + buffer.position()) >= 0) {
          // read the whole page
        }
        bytes = buffer.array();
      }
    }
    if (fromSnapshot && view != null) {
      // A writer that has gone two commits past the snapshot may have reused the page meanwhile.
      view.requireCurrent("page " + page);
    }
    PageOwner owner = owner(view, bytes);
    if (json.on()) {
      out.println(JsonEnvelope.result("dump", ExitCode.OK,
          DumpJson.of(file, page, pageSize, owner, view, fromSnapshot, unopenable, inspection, bytes)));
      return ExitCode.OK;
    }
    out.printf("page %d of %s: %d bytes at offset %d: %s%n", page, file, pageSize, page * pageSize, owner.text());
    if (view != null && view.writerLive()) {
      out.printf("  a writer holds the file: %s%n", fromSnapshot
          ? "this page is read from a snapshot of generation " + view.pager().generation()
          : "this page is read as it is now, not from the snapshot of generation " + view.pager().generation());
    }
    if (unopenable != null) {
      out.printf("  the file does not open (%s); its bytes are shown as they are%n", unopenable);
    }
    if (inspection != null) {
      decode(out, inspection);
    }
    HexDump.print(out, bytes);
    return ExitCode.OK;
  }

  /**
   * The page's owner and state, as {@code pager pages} labels it; for a file that does not open,
   * or whose structures cannot be walked, what the page's own header suggests.
   */
  private PageOwner owner(@Nullable CommitView view, byte[] bytes) throws IOException {
    String guess = PageFileInspection.describePage(page, MemorySegment.ofArray(bytes));
    if (view == null) {
      return new PageOwner.Unknown(guess);
    }
    try {
      return view.read("the trees and structures", () -> PageOwners.read(view).of(page));
    } catch (StaleViewException stale) {
      throw stale;
    } catch (PageFileException damaged) {
      return new PageOwner.Unknown(guess + " (its owner is unknown: " + Failures.message(damaged) + ")");
    }
  }

  private void decode(PrintWriter out, PageFileInspection inspection) {
    if (page == 0) {
      out.printf("  format version %d, page size %d%s%n", inspection.formatVersion(), inspection.pageSize(),
          inspection.superblockProblem() == null ? "" : "; DAMAGED: " + inspection.superblockProblem());
      out.printf("  newest metadata: page %d, CRC %08x, generation %d%n",
          inspection.activeSlot(), inspection.activeCrc(), inspection.generation());
    } else if (page == 1 || page == 2) {
      MetadataCopy copy = inspection.copy((int) page);
      out.printf("  %s; %s%n", page == inspection.activeSlot() ? "active" : "alternate",
          copy.usable() ? "usable" : "NOT usable: " + copy.problem());
      if (copy.generation() != 0) {
        out.printf("  generation %d, page count %d, free %d, tree root page %d (height %d), CRC %08x%n",
            copy.generation(), copy.pageCount(), copy.freeCount(), copy.treeRoot(), copy.treeHeight(), copy.crc());
        out.printf("  pending list: %d run(s) inline, %s%n", copy.inlinePendingRuns(),
            copy.pendingListHead() == 0
                ? "no chain"
                : "a chain of " + copy.pendingChainPages() + " page(s) from page " + copy.pendingListHead());
        for (int slot = 0; slot < copy.roots().size(); slot++) {
          if (copy.roots().get(slot) != 0) {
            out.printf("  root %2d = %d (0x%x)%n", slot, copy.roots().get(slot), copy.roots().get(slot));
          }
        }
      }
    }
  }
}

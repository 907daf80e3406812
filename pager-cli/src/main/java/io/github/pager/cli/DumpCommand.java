package io.github.pager.cli;

import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageFileInspection.MetadataCopy;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pager dump FILE PAGE}: one page in hex, with a decoded view of fixed pages. Only reads. */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = "Print one page in hex (runs of identical lines folded into '*'), decoding the superblock and metadata pages.")
final class DumpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "the page file")
  Path file = Path.of("");

  @Parameters(index = "1", paramLabel = "PAGE", description = "the page index, from 0")
  long page;

  @Option(names = "--page-size", description = "the page size to assume when the superblock is unreadable")
  int pageSizeOverride;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PageFileInspection inspection = null;
    int pageSize = pageSizeOverride;
    if (pageSize == 0) {
      inspection = PageFileInspection.inspect(file);
      pageSize = inspection.pageSize();
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long pages = channel.size() / pageSize;
      if (page < 0 || page >= pages) {
        spec.commandLine().getErr().printf("pager dump: page %d is outside %s, which holds pages 0 to %d%n", page, file, pages - 1);
        return ExitCode.USAGE;
      }
      ByteBuffer buffer = ByteBuffer.allocate(pageSize);
      while (buffer.hasRemaining() && channel.read(buffer, page * pageSize + buffer.position()) >= 0) {
        // read the whole page
      }
      byte[] bytes = buffer.array();
      out.printf("page %d of %s: %d bytes at offset %d: %s%n", page, file, pageSize, page * pageSize,
          PageFileInspection.describePage(page, MemorySegment.ofArray(bytes)));
      if (inspection != null) {
        decode(out, inspection);
      }
      HexDump.print(out, bytes);
    }
    return ExitCode.OK;
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
        for (int slot = 0; slot < copy.roots().size(); slot++) {
          if (copy.roots().get(slot) != 0) {
            out.printf("  root %2d = %d (0x%x)%n", slot, copy.roots().get(slot), copy.roots().get(slot));
          }
        }
      }
    }
  }
}

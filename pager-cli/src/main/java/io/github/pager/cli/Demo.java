package io.github.pager.cli;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code demo} command: a guided tour of a page file for a newcomer. It creates a file,
 * allocates and writes pages, commits several changes at once, reopens the file and shows that
 * everything acknowledged is still there.
 */
final class Demo {
  private final PrintStream out;

  Demo(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the tour in {@code directory}, or in a new temporary directory when null.
   *
   * @throws IOException when the file cannot be created or read
   */
  void run(@Nullable Path directory) throws IOException {
    Path dir = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("pager-demo");
    Path file = dir.resolve("demo-" + System.currentTimeMillis() + ".pages");
    out.println("pager demo: " + file);
    out.println();

    List<Long> indexes;
    long root;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      out.printf("created     page size %d bytes, %d pages (pages 0-2 hold the superblock and metadata)%n",
          pager.pageSize(), pager.pageCount());

      PageId greeting = pager.alloc();
      write(pager, greeting, "hello from page " + greeting.index());
      out.printf("alloc       page %d, wrote a greeting into it (one durable commit, generation %d)%n",
          greeting.index(), pager.generation());

      List<PageId> bulk = pager.allocBulk(100);
      for (PageId id : bulk) {
        write(pager, id, "bulk page " + id.index());
      }
      out.printf("allocBulk   100 pages, %d to %d, in one commit (file grew to %d pages)%n",
          bulk.get(0).index(), bulk.get(bulk.size() - 1).index(), pager.pageCount());

      pager.freeBulk(bulk.subList(0, 50));
      out.printf("freeBulk    the first 50 of them, in one commit: %d pages free%n", pager.freePageCount());

      try (Transaction tx = pager.begin()) {
        PageId index = tx.alloc();
        write(pager, index, "index page: start at page " + greeting.index());
        tx.setRoot(0, index.index());
        tx.free(bulk.get(50));
        tx.commit();
      }
      root = pager.root(0);
      out.printf("transaction alloc + write + free + set root 0 = page %d, all in one superblock flip%n", root);
      indexes = pager.allocatedPages().stream().map(PageId::index).toList();
      out.printf("before      %d pages allocated, generation %d%n", indexes.size(), pager.generation());
    }

    out.println();
    try (Pager pager = Pager.open(file)) {
      List<Long> after = pager.allocatedPages().stream().map(PageId::index).toList();
      out.printf("reopened    %d pages allocated, generation %d, root 0 = page %d%n",
          after.size(), pager.generation(), pager.root(0));
      out.printf("            page %d says \"%s\"%n", pager.root(0), read(pager, pager.pageId(pager.root(0))));
      out.printf("            page %d says \"%s\"%n", after.get(0), read(pager, pager.pageId(after.get(0))));
      TreeReport report = pager.verify();
      out.printf("verify      %s: %d pages, %d free, free-space tree of %d page(s) and height %d%n",
          report.isClean() ? "clean" : "PROBLEMS " + report.problems(),
          report.pageCount(), report.countedFreeCount(), report.treeNodeCount(), report.treeHeight());
      boolean same = after.equals(indexes) && pager.root(0) == root;
      out.println(same
          ? "result      everything acknowledged before the reopen is there"
          : "result      MISMATCH: the reopened file differs from what was committed");
      if (!same || !report.isClean()) {
        throw new IOException("the reopened file does not match what was committed");
      }
    }
    out.printf("file        %s (%d bytes)%n", file, Files.size(file));
  }

  private static void write(Pager pager, PageId id, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    pager.page(id).putInt(0, bytes.length);
    pager.page(id).write(4, bytes, 0, bytes.length);
  }

  private static String read(Pager pager, PageId id) {
    int length = pager.page(id).getInt(0);
    if (length < 0 || length > pager.pageSize() - 4) {
      return "<no text>";
    }
    byte[] bytes = new byte[length];
    pager.page(id).read(4, bytes, 0, length);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}

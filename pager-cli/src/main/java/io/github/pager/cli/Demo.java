package io.github.pager.cli;

import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedTransaction;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code demo} command: a guided tour of a page file for a newcomer. It creates a file,
 * allocates and writes pages, sub-pages and protected pages, commits several changes at once,
 * reopens the file,
 * checks that everything acknowledged is there, and ends by damaging a copy of the file's active
 * metadata to show the copy opening on the alternate.
 */
final class Demo {
  /** The superblock and the two metadata pages: never allocated, never free. */
  private static final int RESERVED_PAGES = 3;

  /** Root slots the demo's sub-page allocator keeps its state in. */
  private static final int SUB_PAGE_SLOTS = 10;

  /** Root slots the demo's protected pages keep their directory in. */
  private static final int PROTECTED_SLOTS = 20;

  /** How many protected pages the demo commits together. */
  private static final int PROTECTED_PAGES = 3;

  private final PrintWriter out;

  /**
   * What the tour left behind, for {@code pager demo --json}.
   *
   * @param file the page file it created (kept)
   * @param fileBytes its length
   * @param pageSize its page size
   * @param pageCount its page count
   * @param generation the generation the reopen found
   * @param allocatedPages the pages allocated, the same before and after the reopen
   * @param freePageCount its free pages, pending ones included
   * @param recoveredGeneration the generation the damaged copy opened at: the one before
   */
  record Summary(Path file, long fileBytes, int pageSize, long pageCount, long generation, long allocatedPages,
      long freePageCount, long recoveredGeneration) {}

  Demo(PrintWriter out) {
    this.out = out;
  }

  /**
   * Runs the tour in {@code directory}, or in a new temporary directory when null.
   *
   * @return what it left behind
   * @throws IOException when the file cannot be created or read, or what was read back differs
   */
  Summary run(@Nullable Path directory) throws IOException {
    Path dir = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("pager-demo");
    Path file = dir.resolve("demo-" + System.currentTimeMillis() + ".pages");
    out.println("pager demo: " + file);
    out.println();

    List<Long> indexes;
    List<Long> subPages = new ArrayList<>();
    List<Long> protectedIds = new ArrayList<>();
    long greetingIndex;
    long root;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      out.printf("created     page size %d bytes, %d pages (pages 0-2 hold the superblock and metadata,%n"
              + "            page 3 the free-space tree's first leaf: the first page handed out is 4)%n",
          pager.pageSize(), pager.pageCount());

      PageId greeting = pager.alloc();
      greetingIndex = greeting.index();
      write(pager, greeting, "hello from page " + greeting.index());
      out.printf("alloc       page %d, wrote a greeting into it (one durable commit, generation %d)%n",
          greeting.index(), pager.generation());

      List<PageId> bulk = pager.allocBulk(100);
      for (PageId id : bulk) {
        write(pager, id, "bulk page " + id.index());
      }
      out.printf("allocBulk   100 pages, %d to %d, in one commit (the file grew to %d pages)%n",
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
      out.printf("transaction alloc + write + free + set root 0 = page %d, all in one metadata record%n", root);

      SubPageAllocator sub = SubPageAllocator.open(pager, SUB_PAGE_SLOTS, 256);
      for (SubPageId id : sub.allocBulk(20)) {
        try (PageWriter writer = id.write(sub)) {
          writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, id.value());
          writer.commit();
        }
        subPages.add(id.value());
      }
      out.printf("sub-pages   20 sub-pages of 256 bytes (16 to a page) in one commit, state under root slots %d-%d%n",
          SUB_PAGE_SLOTS, SUB_PAGE_SLOTS + SubPageAllocator.ROOT_SLOTS_USED - 1);
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, PROTECTED_SLOTS);
      try (ProtectedTransaction tx = pages.begin()) {
        for (int i = 0; i < PROTECTED_PAGES; i++) {
          ProtectedPageId id = tx.alloc();
          tx.write(id).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1000L + i);
          protectedIds.add(id.value());
        }
        tx.commit();
      }
      try (ProtectedTransaction tx = pages.begin()) {
        for (long value : protectedIds) {
          tx.write(pages.handle(value)).set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 2000L + value);
        }
        tx.commit();
      }
      out.printf("protected   %d protected pages (two checksummed copies each), allocated and written in one commit,%n",
          PROTECTED_PAGES);
      out.printf("            then all rewritten in a second one: each write staged in the inactive copy, %d syncs per commit%n", 2);
      indexes = pager.allocatedPages().stream().map(PageId::index).toList();
      out.printf("before      %d pages allocated, generation %d%n", indexes.size(), pager.generation());
    }

    out.println();
    long generation;
    long pageCount;
    long freePages;
    int pageSize;
    try (Pager pager = Pager.open(file)) {
      generation = pager.generation();
      pageCount = pager.pageCount();
      freePages = pager.freePageCount();
      pageSize = pager.pageSize();
      List<Long> after = pager.allocatedPages().stream().map(PageId::index).toList();
      out.printf("reopened    %d pages allocated, generation %d, root 0 = page %d%n",
          after.size(), pager.generation(), pager.root(0));
      out.printf("            page %d says \"%s\"%n", pager.root(0), read(pager, pager.pageId(pager.root(0))));
      out.printf("            page %d says \"%s\"%n", greetingIndex, read(pager, pager.pageId(greetingIndex)));
      SubPageAllocator sub = SubPageAllocator.open(pager, SUB_PAGE_SLOTS, 256);
      List<Long> subAfter = new ArrayList<>();
      boolean subContents = true;
      for (long value : subPages) {
        SubPageId id = sub.handle(value);
        subContents &= id.read(sub).get(ValueLayout.JAVA_LONG_UNALIGNED, 0) == value;
      }
      sub.forEachAllocated(id -> subAfter.add(id.value()));
      out.printf("            %d sub-pages back, each holding what was written: %s%n", subAfter.size(), subContents);
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, PROTECTED_SLOTS);
      boolean protectedContents = true;
      for (long value : protectedIds) {
        byte[] content = pages.get(pages.handle(value));
        java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(content).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        protectedContents &= words.getLong(8) == 2000L + value && words.getLong(0) >= 1000L;
      }
      pages.verify();
      out.printf("            %d protected pages read back verified (CRC32C checked), each at its second version: %s%n",
          protectedIds.size(), protectedContents);
      TreeReport report = pager.verify();
      List<String> subProblems = sub.verify();
      out.printf("verify      %s: %d pages, %d free (%d of them pending), free-space tree of %d page(s) and height %d,%n"
              + "            pending list in the metadata record and %d chain page(s)%n",
          report.isClean() && subProblems.isEmpty() ? "clean" : "PROBLEMS " + report.problems() + " " + subProblems,
          report.pageCount(), report.countedFreeCount(), report.pendingPageCount(), report.treeNodeCount(),
          report.treeHeight(), report.pendingListPageCount());
      long allocated = pager.allocatedPages().size();
      long accounted = allocated + report.countedFreeCount() + RESERVED_PAGES + report.treeNodeCount()
          + report.pendingListPageCount();
      out.printf("accounting  %d pages = %d allocated + %d free + %d reserved + %d tree page(s) + %d chain page(s)%s%n",
          report.pageCount(), allocated, report.countedFreeCount(), RESERVED_PAGES, report.treeNodeCount(),
          report.pendingListPageCount(), accounted == report.pageCount() ? "" : " MISMATCH: the sum is " + accounted);
      boolean same = accounted == report.pageCount() && after.equals(indexes) && pager.root(0) == root && subAfter.equals(subPages) && subContents
          && protectedContents;
      out.println(same
          ? "result      everything acknowledged before the reopen is there"
          : "result      MISMATCH: the reopened file differs from what was committed");
      if (!same || !report.isClean() || !subProblems.isEmpty()) {
        throw new IOException("the reopened file does not match what was committed");
      }
    }
    out.printf("file        %s (%d bytes)%n", file, Files.size(file));
    out.println();
    long recovered = showRecovery(file);
    return new Summary(file, Files.size(file), pageSize, pageCount, generation, indexes.size(), freePages, recovered);
  }

  /**
   * Tears the newest metadata record of a copy of the file, as a crash while a commit writes it
   * would, and opens it on the other copy: the commit before.
   */
  private long showRecovery(Path file) throws IOException {
    Path damaged = file.resolveSibling(file.getFileName() + ".damaged");
    Files.copy(file, damaged);
    PageFileInspection before = PageFileInspection.inspect(damaged);
    int active = before.activeSlot();
    long offset = (long) active * before.pageSize() + 40;
    try (FileChannel channel = FileChannel.open(damaged, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) ~one.get(0));
      one.rewind();
      channel.write(one, offset);
    }
    PageFileInspection after = PageFileInspection.inspect(damaged);
    out.printf("recovery    on a copy, flipped one byte of the newest metadata record (copy %s, page %d),%n",
        active == 1 ? "A" : "B", active);
    out.println("            as a crash in the middle of writing it would leave it");
    out.printf("            that copy now fails its check: %s%n", after.copy(active).problem());
    long recovered;
    try (Pager pager = Pager.open(damaged, PagerOptions.defaults().withReadOnly(true))) {
      recovered = pager.generation();
      out.printf("            open uses copy %s, the commit before: generation %d instead of %d, %d pages allocated, tree %s%n",
          after.trustedSlot() == 1 ? "A" : "B", pager.generation(), before.generation(),
          pager.allocatedPages().size(), pager.verify().isClean() ? "clean" : "NOT clean");
      if (pager.generation() != before.generation() - 1) {
        throw new IOException("the torn record did not open on the commit before it");
      }
    }
    out.println("            a commit is acknowledged only once its record is synced, so a torn record is one");
    out.println("            that was never acknowledged; the next commit overwrites it");
    Files.delete(damaged);
    return recovered;
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

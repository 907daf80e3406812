package io.github.pager.core;

import static io.github.pager.core.Format.PL_MAGIC;
import static io.github.pager.core.Format.PL_MAGIC_VALUE;
import static io.github.pager.core.Format.PL_NEXT;
import static io.github.pager.core.Format.PL_NEXT_CRC;
import static io.github.pager.core.Format.PL_RUNS;
import static io.github.pager.core.Format.PL_RUN_COUNT;
import static io.github.pager.core.Format.PL_RUN_SIZE;
import static io.github.pager.core.Format.RUN_FIRST;
import static io.github.pager.core.Format.RUN_FREED_BY;
import static io.github.pager.core.Format.RUN_LENGTH;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The pending list on disk: the pages that are free but not yet reusable, each with the generation
 * of the commit that freed it, so that the reuse rule of {@link PendingFrees} holds across a reopen
 * (FORMAT.md, "Pending list").
 *
 * <p>A chain of whole pages. The metadata record names the first page and its CRC32C, and each
 * page names the next one and its CRC32C, so every page is checked against what its referrer
 * expects, as tree nodes are. A commit that frees a page writes a whole new chain into
 * fresh pages, back to front (each page must know its successor's CRC), and frees the pages of the
 * chain it replaces, which are then pending themselves. Pages of a chain are never changed.
 */
final class PendingList {
  private PendingList() {}

  /**
   * Where a chain starts.
   *
   * @param head the first page, or 0 when there is no chain
   * @param crc the CRC32C of the whole first page, or 0 when there is no chain
   */
  record Location(long head, int crc) {
    static final Location NONE = new Location(0, 0);
  }

  /**
   * Pages {@code [first, first + length)}, freed by the commit of generation {@code freedBy}.
   *
   * @param freedBy the generation of the commit that freed them
   * @param first the first page
   * @param length how many consecutive pages, at least 1
   */
  record Run(long freedBy, long first, long length) {}

  /**
   * A chain as read or as about to be written.
   *
   * @param pages the chain's pages, first to last
   * @param runs every run, in chain order
   */
  record Contents(List<Long> pages, List<Run> runs) {
    static final Contents EMPTY = new Contents(List.of(), List.of());
  }

  /** How many runs one page holds. */
  static int runsPerPage(int pageSize) {
    return (pageSize - PL_RUNS) / PL_RUN_SIZE;
  }

  /** How many pages a chain of {@code runs} runs takes: none when there are no runs. */
  static int pagesFor(int runs, int pageSize) {
    int perPage = runsPerPage(pageSize);
    return (runs + perPage - 1) / perPage;
  }

  /**
   * Writes a chain into {@code pages}, first to last, filling each page before the next; pages
   * left over after the last run are written as empty links. Writes only those pages.
   *
   * @return where the chain starts, {@link Location#NONE} when {@code pages} is empty
   */
  static Location write(MappedFile file, List<Long> pages, List<Run> runs) {
    int pageSize = file.pageSize();
    int perPage = runsPerPage(pageSize);
    if ((long) pages.size() * perPage < runs.size()) {
      throw new IllegalArgumentException(runs.size() + " runs do not fit " + pages.size() + " pages");
    }
    long next = 0;
    int nextCrc = 0;
    for (int p = pages.size() - 1; p >= 0; p--) {
      int from = Math.min(p * perPage, runs.size());
      int to = Math.min(from + perPage, runs.size());
      byte[] bytes = new byte[pageSize];
      MemorySegment page = MemorySegment.ofArray(bytes);
      page.set(U64, PL_MAGIC, PL_MAGIC_VALUE);
      page.set(U64, PL_NEXT, next);
      page.set(U32, PL_NEXT_CRC, nextCrc);
      page.set(U32, PL_RUN_COUNT, to - from);
      for (int r = from; r < to; r++) {
        Run run = runs.get(r);
        long at = PL_RUNS + (long) (r - from) * PL_RUN_SIZE;
        page.set(U64, at + RUN_FREED_BY, run.freedBy());
        page.set(U64, at + RUN_FIRST, run.first());
        page.set(U64, at + RUN_LENGTH, run.length());
      }
      MemorySegment.copy(bytes, 0, file.page(pages.get(p)), ValueLayout.JAVA_BYTE, 0, pageSize);
      next = pages.get(p);
      nextCrc = Checksums.crc32c(page, 0, pageSize);
    }
    return new Location(next, nextCrc);
  }

  /** Reads one page of the file; the result may be the live mapping, which is copied before use. */
  @FunctionalInterface
  interface PageReader {
    MemorySegment page(long page) throws java.io.IOException;
  }

  /**
   * Reads and checks a whole chain: every page against the CRC its referrer holds, every header,
   * every run against the record that names the chain.
   *
   * @param record the record whose chain this is: bounds pages and generations
   * @throws CorruptMetadataException when a check fails and the file's state explains it
   * @throws StaleViewException when a check fails because a writer reused a page since the commit
   *     this (read-only) view reads
   */
  static Contents read(MappedFile file, MetadataRecord record) throws PageFileException {
    Contents contents = new Contents(new ArrayList<>(), new ArrayList<>());
    String problem;
    try {
      problem = read(file::page, record, contents);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a mapped page cannot fail to read", e);
    }
    if (problem != null) {
      throw file.readFailure(problem);
    }
    return new Contents(List.copyOf(contents.pages()), List.copyOf(contents.runs()));
  }

  /**
   * Reads and checks a whole chain, as {@link #read(MappedFile, MetadataRecord)} does, through any
   * way of reading pages (a tool reads through a file channel).
   *
   * @param into where the chain's pages and runs are added as they are read
   * @return what is wrong, or null when the whole chain checks out
   */
  static @Nullable String read(PageReader reader, MetadataRecord record, Contents into) throws java.io.IOException {
    Location at = record.pendingList;
    Set<Long> seen = new HashSet<>();
    long pageNumber = at.head();
    int expectedCrc = at.crc();
    while (pageNumber != 0) {
      if (pageNumber < Format.FIRST_DATA_PAGE || pageNumber >= record.pageCount || !seen.add(pageNumber)) {
        return "pending list page " + pageNumber + " is out of range or repeats a page of the chain";
      }
      // One private copy, checked and then decoded: a page rewritten meanwhile fails, never half-passes.
      MemorySegment live = reader.page(pageNumber);
      int pageSize = (int) live.byteSize();
      byte[] bytes = new byte[pageSize];
      MemorySegment.copy(live, ValueLayout.JAVA_BYTE, 0, bytes, 0, pageSize);
      MemorySegment page = MemorySegment.ofArray(bytes);
      String problem = check(page, expectedCrc, record);
      if (problem != null) {
        return "page " + pageNumber + " should hold the pending list but " + problem;
      }
      int count = page.get(U32, PL_RUN_COUNT);
      for (int r = 0; r < count; r++) {
        long offset = PL_RUNS + (long) r * PL_RUN_SIZE;
        into.runs().add(new Run(page.get(U64, offset + RUN_FREED_BY), page.get(U64, offset + RUN_FIRST),
            page.get(U64, offset + RUN_LENGTH)));
      }
      into.pages().add(pageNumber);
      pageNumber = page.get(U64, PL_NEXT);
      expectedCrc = page.get(U32, PL_NEXT_CRC);
    }
    return null;
  }

  /** Checks one page of a chain; returns what is wrong, or null. */
  private static @Nullable String check(MemorySegment page, int expectedCrc, MetadataRecord record) {
    int crc = Checksums.crc32c(page, 0, page.byteSize());
    if (crc != expectedCrc) {
      return "fails its checksum (expected " + Integer.toHexString(expectedCrc) + ", computed "
          + Integer.toHexString(crc) + ")";
    }
    if (page.get(U64, PL_MAGIC) != PL_MAGIC_VALUE) {
      return "has no pending list magic";
    }
    int count = page.get(U32, PL_RUN_COUNT);
    if (count < 0 || count > runsPerPage((int) page.byteSize())) {
      return "counts " + Integer.toUnsignedString(count) + " runs, more than a page holds";
    }
    for (int r = 0; r < count; r++) {
      long offset = PL_RUNS + (long) r * PL_RUN_SIZE;
      long freedBy = page.get(U64, offset + RUN_FREED_BY);
      long first = page.get(U64, offset + RUN_FIRST);
      long length = page.get(U64, offset + RUN_LENGTH);
      if (freedBy < 1 || freedBy > record.generation) {
        return "holds a run freed by generation " + freedBy + ", not between 1 and " + record.generation;
      }
      if (first < Format.FIRST_DATA_PAGE || length < 1 || length > record.pageCount - first) {
        return "holds pages " + first + " (+" + length + ") outside the data pages";
      }
    }
    return null;
  }
}

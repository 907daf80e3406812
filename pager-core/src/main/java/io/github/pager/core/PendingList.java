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

import java.io.IOException;
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
 * <p>Two parts. The newest runs are <em>inline</em>, in the metadata page after the record's
 * fields: a commit writes that page anyway, so a commit whose list fits there writes no page for
 * it. Older runs spill into a <em>chain</em> of whole pages, newest first, which commits extend at
 * the front and cut at the back without ever changing a page of it: the record names the first
 * page, its CRC32C and how many pages to follow, and each page names the next one and its CRC32C,
 * so every page is checked against what its referrer expects, as tree nodes are. A chain page can
 * keep runs that the reuse rule has released since it was written; the record's {@code
 * releasedThrough} says which (runs freed at or before that generation are not pending).
 */
final class PendingList {
  private PendingList() {}

  /**
   * A run of pages {@code [first, first + length)}, freed by the commit of generation {@code
   * freedBy}.
   *
   * @param freedBy the generation of the commit that freed them
   * @param first the first page
   * @param length how many consecutive pages, at least 1
   */
  record Run(long freedBy, long first, long length) {}

  /**
   * What a metadata record says of its pending list.
   *
   * @param head the first page of the chain, or 0 when there is no chain
   * @param headCrc the CRC32C of the whole first page, or 0 when there is no chain
   * @param chainPages how many pages of the chain belong to the list; the last one's link is not
   *     followed
   * @param releasedThrough runs of the chain freed by this generation or an earlier one are no
   *     longer pending
   * @param inline the runs stored in the record itself, all pending
   */
  record Root(long head, int headCrc, int chainPages, long releasedThrough, List<Run> inline) {
    static final Root EMPTY = new Root(0, 0, 0, 0, List.of());

    Root {
      inline = List.copyOf(inline);
    }
  }

  /**
   * One page of a chain as read or written.
   *
   * @param page its page number
   * @param crc the CRC32C of the whole page, which its referrer holds
   * @param runs the runs it holds
   * @param newest the highest generation among its runs; for a page without runs, the generation
   *     of the commit that wrote it
   */
  record ChainPage(long page, int crc, List<Run> runs, long newest) {}

  /**
   * A whole list: the record's part and the chain's pages.
   *
   * @param root the record's part
   * @param chain the chain's pages, first to last, as many as {@code root} counts
   */
  record Contents(Root root, List<ChainPage> chain) {
    static final Contents EMPTY = new Contents(Root.EMPTY, List.of());

    Contents {
      chain = List.copyOf(chain);
    }

    /** The chain's page numbers, first to last. */
    List<Long> pages() {
      return chain.stream().map(ChainPage::page).toList();
    }

    /** The runs still pending: every inline run, and the chain's runs freed after {@code releasedThrough}. */
    List<Run> pendingRuns() {
      List<Run> runs = new ArrayList<>(root.inline());
      for (ChainPage page : chain) {
        for (Run run : page.runs()) {
          if (run.freedBy() > root.releasedThrough()) {
            runs.add(run);
          }
        }
      }
      return runs;
    }

    /** Every run the list holds, released ones included: all of them lie below the record's page count. */
    List<Run> allRuns() {
      List<Run> runs = new ArrayList<>(root.inline());
      chain.forEach(page -> runs.addAll(page.runs()));
      return runs;
    }
  }

  /** How many runs one chain page holds. */
  static int runsPerPage(int pageSize) {
    return (pageSize - PL_RUNS) / PL_RUN_SIZE;
  }

  /** How many chain pages {@code runs} runs take: none when there are no runs. */
  static int pagesFor(int runs, int pageSize) {
    int perPage = runsPerPage(pageSize);
    return (runs + perPage - 1) / perPage;
  }

  /**
   * Writes new chain pages into {@code pages}, first to last, filling each page before the next,
   * the last one linked to {@code next}; pages left over after the last run are written without
   * runs. Writes only those pages.
   *
   * @param next the chain the new pages go in front of: its first page and that page's CRC, or
   *     page 0 for none
   * @param writtenBy the generation of the commit writing them: the {@link ChainPage#newest} of a
   *     page without runs
   * @return the new pages, first to last
   * @throws IOException when a page cannot be written ({@link MappedFile#writeOwnPage}); no record
   *     names the new pages yet, so the commit fails alone
   */
  static List<ChainPage> write(MappedFile file, List<Long> pages, List<Run> runs, long next, int nextCrc, long writtenBy)
      throws IOException {
    int pageSize = file.pageSize();
    int perPage = runsPerPage(pageSize);
    if ((long) pages.size() * perPage < runs.size()) {
      throw new IllegalArgumentException(runs.size() + " runs do not fit " + pages.size() + " pages");
    }
    ChainPage[] written = new ChainPage[pages.size()];
    for (int p = pages.size() - 1; p >= 0; p--) {
      int from = Math.min(p * perPage, runs.size());
      int to = Math.min(from + perPage, runs.size());
      byte[] bytes = new byte[pageSize];
      MemorySegment page = MemorySegment.ofArray(bytes);
      page.set(U64, PL_MAGIC, PL_MAGIC_VALUE);
      page.set(U64, PL_NEXT, next);
      page.set(U32, PL_NEXT_CRC, nextCrc);
      page.set(U32, PL_RUN_COUNT, to - from);
      long newest = from == to ? writtenBy : 0;
      for (int r = from; r < to; r++) {
        Run run = runs.get(r);
        encode(page, PL_RUNS + (long) (r - from) * PL_RUN_SIZE, run);
        newest = Math.max(newest, run.freedBy());
      }
      file.writeOwnPage(pages.get(p), page, "pending list page");
      next = pages.get(p);
      nextCrc = Checksums.crc32c(page, 0, pageSize);
      written[p] = new ChainPage(next, nextCrc, List.copyOf(runs.subList(from, to)), newest);
    }
    return List.of(written);
  }

  /** Stores one run at {@code offset}: the chain's pages and the record's inline runs share the layout. */
  static void encode(MemorySegment into, long offset, Run run) {
    into.set(U64, offset + RUN_FREED_BY, run.freedBy());
    into.set(U64, offset + RUN_FIRST, run.first());
    into.set(U64, offset + RUN_LENGTH, run.length());
  }

  /** Reads one run stored at {@code offset}. */
  static Run decode(MemorySegment from, long offset) {
    return new Run(from.get(U64, offset + RUN_FREED_BY), from.get(U64, offset + RUN_FIRST), from.get(U64, offset + RUN_LENGTH));
  }

  /**
   * Checks one run against the record it belongs to.
   *
   * @param oldest the lowest generation allowed
   * @return what is wrong, or null
   */
  static @Nullable String checkRun(Run run, long oldest, long generation, long pageCount) {
    if (run.freedBy() < oldest || run.freedBy() > generation) {
      return "holds a run freed by generation " + run.freedBy() + ", not between " + oldest + " and " + generation;
    }
    if (run.first() < Format.FIRST_DATA_PAGE || run.length() < 1 || run.length() > pageCount - run.first()) {
      return "holds pages " + run.first() + " (+" + run.length() + ") outside the data pages";
    }
    return null;
  }

  /** Reads one page of the file; the result may be the live mapping, which is copied before use. */
  @FunctionalInterface
  interface PageReader {
    MemorySegment page(long page) throws java.io.IOException;
  }

  /**
   * Reads and checks the whole list a record names: every chain page against the CRC its referrer
   * holds, every header, every run against the record.
   *
   * @throws UnreadablePageException when the storage cannot read a chain page
   * @throws CorruptMetadataException when a check fails and the file's state explains it
   * @throws StaleViewException when a check fails because a writer reused a page since the commit
   *     this (read-only) view reads
   */
  static Contents read(MappedFile file, MetadataRecord record) throws PageFileException {
    List<ChainPage> chain = new ArrayList<>();
    String problem;
    try {
      problem = read(file::page, record, chain, file.describe());
    } catch (UnreadablePageException e) {
      throw e;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a mapped page fails to read only as an unreadable page", e);
    }
    if (problem != null) {
      throw file.readFailure(problem);
    }
    return new Contents(record.pendingList, chain);
  }

  /**
   * Reads and checks the chain of a record's list, as {@link #read(MappedFile, MetadataRecord)}
   * does, through any way of reading pages (a tool reads through a file channel). The record's
   * inline runs were checked when it was decoded.
   *
   * @param into where the chain's pages are added as they are read
   * @param resource the file's name, for an {@link UnreadablePageException}
   * @return what is wrong, or null when the whole chain checks out
   */
  static @Nullable String read(PageReader reader, MetadataRecord record, List<ChainPage> into, String resource)
      throws java.io.IOException {
    Root root = record.pendingList;
    Set<Long> seen = new HashSet<>();
    long pageNumber = root.head();
    int expectedCrc = root.headCrc();
    for (int p = 0; p < root.chainPages(); p++) {
      if (pageNumber < Format.FIRST_DATA_PAGE || pageNumber >= record.pageCount || !seen.add(pageNumber)) {
        return "pending list page " + pageNumber + " is out of range or repeats a page of the chain";
      }
      // One private copy, checked and then decoded: a page rewritten meanwhile fails, never half-passes.
      MemorySegment live = reader.page(pageNumber);
      int pageSize = (int) live.byteSize();
      byte[] bytes = new byte[pageSize];
      PageFaults.read(live, 0, bytes, pageSize, resource, pageNumber, "pending list page");
      MemorySegment page = MemorySegment.ofArray(bytes);
      List<Run> runs = new ArrayList<>();
      String problem = check(page, expectedCrc, record, runs);
      if (problem != null) {
        return "page " + pageNumber + " should hold the pending list but " + problem;
      }
      long newest = runs.stream().mapToLong(Run::freedBy).max().orElse(record.generation);
      into.add(new ChainPage(pageNumber, expectedCrc, List.copyOf(runs), newest));
      pageNumber = page.get(U64, PL_NEXT);
      expectedCrc = page.get(U32, PL_NEXT_CRC);
    }
    return null;
  }

  /** Checks one chain page and decodes its runs into {@code runs}; returns what is wrong, or null. */
  private static @Nullable String check(MemorySegment page, int expectedCrc, MetadataRecord record, List<Run> runs) {
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
      Run run = decode(page, PL_RUNS + (long) r * PL_RUN_SIZE);
      String problem = checkRun(run, 1, record.generation, record.pageCount);
      if (problem != null) {
        return problem;
      }
      runs.add(run);
    }
    return null;
  }
}

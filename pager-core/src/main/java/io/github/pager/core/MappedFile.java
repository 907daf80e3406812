package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A storage seen as an array of pages: maps the file region by region as it grows, and hands out
 * page-sized segments.
 *
 * <p>Growth extends the file and maps only the new part, so pages handed out earlier stay valid.
 * A new region is at least as large as everything mapped before it (up to {@link
 * #MAX_REGION_BYTES}), so the number of mappings grows with the logarithm of the file size. The
 * file may therefore be longer than the pages the metadata counts; the tail reads as zero and is
 * not part of the format.
 *
 * <p>Every sync and every growth of the file goes through here: this is where they are counted
 * ({@link #counters()}) and where their flight recorder events are emitted.
 */
final class MappedFile {
  /** The largest region mapped at once: a 16 TiB file needs a few hundred mappings at most. */
  static final long MAX_REGION_BYTES = 64L << 30;

  private final Storage storage;
  private final int pageSize;
  private final Counters counters = new Counters();
  private volatile RegionTable regions = RegionTable.EMPTY;

  /**
   * The oldest generation a read-only pager reads (its commit, or an older snapshot's), or -1 for
   * a writer, whose pages nobody else reuses. See {@link #readFailure}.
   */
  private volatile long viewGeneration = -1;

  /** Set once compaction cut the file: mappings past the new end remain, so it never grows again. */
  private volatile boolean truncated;

  /** Whether {@link #writeOwnPage} uses positional writes; set once by the pager that opens it. */
  private volatile boolean positionalOwnWrites;

  MappedFile(Storage storage, int pageSize) {
    this.storage = storage;
    this.pageSize = pageSize;
  }

  String describe() {
    return storage.describe();
  }

  /** The storage underneath, for a read-only pager that reads its records again. */
  Storage storage() {
    return storage;
  }

  int pageSize() {
    return pageSize;
  }

  /** What was committed, synced and grown through this file since it was opened or created. */
  Counters counters() {
    return counters;
  }

  /** Maps whatever part of the file's first {@code bytes} bytes is not mapped yet. */
  void mapExisting(long bytes) throws IOException {
    long end = regions.end();
    while (end < bytes) {
      long length = Math.min(bytes - end, MAX_REGION_BYTES);
      regions = regions.with(storage.map(end, length));
      end += length;
    }
  }

  /**
   * Makes pages {@code [0, pageCount)} exist and be mapped; when {@code reserve}, backs pages
   * {@code [oldPageCount, pageCount)} with disk blocks so that later stores cannot fail.
   */
  void grow(long oldPageCount, long pageCount, boolean reserve) throws IOException {
    if (truncated) {
      // The regions still reach past the file's end: growing would map nothing new and store
      // into bytes the file no longer has. Compaction closes its pager right after the cut.
      throw new IllegalStateException(storage.describe() + " was truncated by compaction; reopen it to grow it");
    }
    PagerEvents.Grow event = new PagerEvents.Grow();
    event.begin();
    counters.grew();
    long extendedBy = 0;
    boolean done = false;
    try {
      long needed = pageCount * pageSize;
      long end = regions.end();
      if (needed > end) {
        long length = Math.max(needed - end, Math.min(end, MAX_REGION_BYTES));
        length = (length + pageSize - 1) / pageSize * pageSize;
        storage.extend(end + length);
        extendedBy = length;
        mapExisting(end + length);
      }
      if (reserve && pageCount > oldPageCount) {
        storage.reserve(oldPageCount * pageSize, (pageCount - oldPageCount) * pageSize);
      }
      done = true;
    } finally {
      event.end(storage.describe(), oldPageCount, pageCount, extendedBy, reserve, !done);
    }
  }

  /** The file's first mapped region, from byte 0, for {@link PageReader}'s span. */
  MemorySegment firstRegion() {
    return regions.first();
  }

  /** Writes a whole page with a positional write (see {@link Storage#write}). */
  void write(long index, MemorySegment content) throws IOException {
    storage.write(index * pageSize, content);
  }

  /**
   * Chooses how {@link #writeOwnPage} writes: positional writes for a pager whose commits sync,
   * stores into the mapping for one whose commits do not.
   *
   * <p>Why: after a sync, the kernel write-protects every mapped page it wrote, so the next store
   * into one of them is a write fault, in which the file system makes the page writable again
   * (ext4 checks its block and updates the file's times): 25 to 30 µs on the benchmark machine,
   * two per commit, against a few µs for a positional write of the same bytes (BENCHMARKS.md,
   * "Where a single commit's time goes"). A pager that never syncs takes those faults only when the kernel writes the pages back on its
   * own, and then a commit without a system call is cheaper. It also keeps such commits out of
   * the channel's reach: a thread interrupted inside a channel call closes the channel.
   */
  void writeOwnPagesPositionally(boolean positional) {
    this.positionalOwnWrites = positional;
  }

  /**
   * Writes bytes the pager owns (a tree node, a pending-list chain page, a metadata record) at the
   * start of page {@code index}, the way {@link #writeOwnPagesPositionally} chose.
   *
   * @param what what the page holds, for an exception
   * @throws UnreadablePageException when a store into the mapping faults (see {@link PageFaults})
   * @throws IOException when a positional write fails
   */
  void writeOwnPage(long index, MemorySegment bytes, String what) throws IOException {
    if (positionalOwnWrites) {
      storage.write(index * pageSize, bytes);
    } else {
      PageFaults.write(bytes, page(index), storage.describe(), index, what);
    }
  }

  /**
   * Cuts the file to {@code pageCount} pages (compaction's last step). The mappings past the new
   * end stay until close and must not be touched; this file refuses to grow from now on.
   */
  void truncate(long pageCount) throws IOException {
    truncated = true;
    storage.truncate(pageCount * pageSize);
  }

  /** Returns the segment of page {@code index}; the page must be mapped. */
  MemorySegment page(long index) {
    return regions.slice(index * pageSize, pageSize);
  }

  /**
   * Marks this file as a read-only view of commit {@code generation} (the oldest one its pager
   * still reads): a writer elsewhere may go on committing, and a check that fails is then judged
   * by {@link #readFailure}.
   */
  void readsViewOf(long generation) {
    viewGeneration = generation;
  }

  /**
   * Judges a check that failed on something read from the file. A writer's file has no other
   * writer, so the failure is damage. A read-only view of generation {@code g} reads pages that the
   * writer may reuse once generation {@code g + 2} is committed (a page freed by commit {@code g +
   * 1} is handed out again only after {@code g + 2}); if the file has reached that, the failure is a
   * stale view, not damage.
   *
   * @param problem what failed, naming the page
   * @return the exception to throw
   */
  PageFileException readFailure(String problem) {
    long view = viewGeneration;
    String message = storage.describe() + ": " + problem;
    if (view < 0) {
      return new CorruptMetadataException(message);
    }
    // The writer stores the record of g + 2 before it stores into any page it reuses: reading the
    // records after the failed read, and not before, sees that record whenever the reuse is seen.
    long newest = newestGeneration();
    if (newest >= view + 2) {
      return new StaleViewException(
          message + ". This read-only view reads generation " + view + " and the file has reached generation "
              + newest + ", so the page may have been reused; reopen to read the newest commit");
    }
    return new CorruptMetadataException(message);
  }

  /** The highest generation of a valid metadata copy, read now, after the reads before it. */
  long newestGeneration() {
    VarHandle.acquireFence();
    return MetadataCopies.read(this).highestGeneration();
  }

  /**
   * Throws {@link StaleViewException} when this is a read-only view that the file has moved past
   * (see {@link #readFailure}); does nothing for a writer.
   */
  void requireCurrentView(String what) throws StaleViewException {
    if (viewGeneration >= 0 && readFailure(what) instanceof StaleViewException stale) {
      throw stale;
    }
  }

  /** Makes every store into any mapping of the file durable; {@code reason} says what for. */
  void syncAll(SyncReason reason) throws IOException {
    PagerEvents.Sync event = new PagerEvents.Sync();
    event.begin();
    counters.syncedAll();
    boolean done = false;
    try {
      storage.syncAll();
      done = true;
    } finally {
      event.end(storage.describe(), reason, 0, -1, !done);
    }
  }

  /** Makes the stores into page {@code index} durable; {@code reason} says what for. */
  void syncPage(long index, SyncReason reason) throws IOException {
    PagerEvents.Sync event = new PagerEvents.Sync();
    event.begin();
    counters.syncedRange(pageSize);
    boolean done = false;
    try {
      storage.sync(index * pageSize, pageSize);
      done = true;
    } finally {
      event.end(storage.describe(), reason, index * pageSize, pageSize, !done);
    }
  }

  void close() throws IOException {
    storage.close();
  }
}

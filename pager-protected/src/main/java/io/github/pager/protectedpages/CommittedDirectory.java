package io.github.pager.protectedpages;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.PageOutOfBoundsException;
import io.github.pager.core.Pager;
import io.github.pager.core.ReservedPageException;
import io.github.pager.core.StaleViewException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * The committed directory entries, kept in memory so that reads on any thread take no lock, and
 * the optimistic copy-out read built on them.
 *
 * <p>The purpose of this class is to let readers run beside a writer. The directory itself lives
 * in a {@link io.github.pager.core.PersistentArray}, whose node cache only the pager's writer
 * lock guards: a reader going to it would wait for every open transaction. Instead each id's
 * committed {@link DirectoryEntry} is read once and kept here, and a protected commit publishes
 * the entries it changed <em>after</em> the pager's commit returns and <em>before</em> it
 * releases the writer lock. So an entry here always names a committed version whose active copy
 * no writer touches: writers stage into the inactive copy, and a copy becomes inactive (and thus
 * writable) only once a newer entry is published.
 *
 * <p>A reader therefore reads the entry, copies the active copy out, and re-reads the entry, like
 * a sequence lock: the same entry object means no commit was published in between, so the copy
 * is whole, and its CRC32C must match; a different one means a writer may have been staging into
 * what was the active copy, and the read starts again. A mismatch on a stable entry is
 * corruption, never a race.
 *
 * <p>Entries are loaded lazily. A load reads the directory through a read view and is kept only
 * if no commit happened meanwhile (the pager's generation did not move), and only if no writer
 * published the id first ({@code putIfAbsent}); freed ids are published as {@link
 * DirectoryEntry#FREE} rather than removed, so a late load can never resurrect them.
 */
final class CommittedDirectory {
  private final Pager pager;
  private final int directorySlot;
  private final ConcurrentHashMap<Long, DirectoryEntry> entries = new ConcurrentHashMap<>();

  /** The generation the cached entries of a read-only pager belong to. */
  private volatile long cachedGeneration = -1;

  CommittedDirectory(Pager pager, int directorySlot) {
    this.pager = pager;
    this.directorySlot = directorySlot;
  }

  /** Returns the committed entry of {@code id}, {@link DirectoryEntry#FREE} when it is free. */
  DirectoryEntry entry(long id) throws IOException {
    forgetIfRefreshed();
    DirectoryEntry entry = entries.get(id);
    return entry != null ? entry : load(id);
  }

  /**
   * A read-only pager has no writer here to publish changed entries: its commit moves only by
   * {@link Pager#refresh()}, and then every cached entry may name a copy that is no longer active
   * (and that the writer may stage into, once the reader no longer reads the older commit). So the
   * cache is dropped when the pager's generation moved; a read racing with the drop finds its
   * entry gone and starts again ({@link #copyOut}).
   */
  private void forgetIfRefreshed() {
    if (!pager.isReadOnly()) {
      return;
    }
    long generation = pager.generation();
    if (cachedGeneration != generation) {
      synchronized (this) {
        if (cachedGeneration != generation) {
          entries.clear();
          cachedGeneration = generation;
        }
      }
    }
  }

  private DirectoryEntry load(long id) throws IOException {
    while (true) {
      long generation = pager.generation();
      DirectoryEntry loaded;
      try {
        long[] record = pager.readArray(directorySlot, DirectoryEntry.RECORD_SIZE).get(id);
        loaded = DirectoryEntry.fromRecord(record, id, pager.pageCount(), pager.describe());
      } catch (CorruptPageFileException e) {
        if (pager.generation() != generation) {
          continue; // the view's nodes were replaced under it: read the new directory
        }
        throw e;
      }
      if (pager.generation() != generation) {
        continue;
      }
      DirectoryEntry raced = entries.putIfAbsent(id, loaded);
      if (raced != null) {
        return raced;
      }
      if (pager.generation() != generation) {
        // A commit, or a read-only pager's refresh, came between the check and the store: the
        // entry may belong to the older commit; take it back unless someone replaced it already.
        entries.remove(id, loaded);
        continue;
      }
      return loaded;
    }
  }

  /** Makes a committed entry visible to readers; called with the writer lock held. */
  void publish(long id, DirectoryEntry entry) {
    entries.put(id, entry);
  }

  /**
   * Copies the active copy of {@code id} into the first page-size bytes of {@code target},
   * retrying while commits race with the copy.
   *
   * @param target at least a page long; bytes past the page are left alone
   * @param verify whether to check the copy against the directory's CRC32C
   * @return the entry the copy belongs to
   */
  @SuppressWarnings("ReferenceEquality") // identity is the point: each publish is a new object
  DirectoryEntry copyOut(long id, byte[] target, boolean verify) throws IOException {
    while (true) {
      DirectoryEntry entry = entry(id);
      if (entry.isFree()) {
        throw new IllegalArgumentException("protected page " + id + " of " + pager.describe() + " is not allocated");
      }
      MemorySegment page;
      try {
        page = pager.page(entry.activePage()).segment();
      } catch (ReservedPageException | PageOutOfBoundsException e) {
        // A reader slow enough for commits to retire its entry's copy and hand the page to the
        // free-space tree (or cut it off) meets the page's new role here, before the re-check
        // below: a race like the others, as long as the entry changed.
        if (entries.get(id) != entry) {
          Thread.onSpinWait();
          continue;
        }
        throw e;
      }
      int pageSize = (int) page.byteSize();
      MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, target, 0, pageSize);
      // Orders the copy's loads before the re-check, as StampedLock.validate does.
      VarHandle.acquireFence();
      if (entries.get(id) != entry) {
        Thread.onSpinWait();
        continue;
      }
      if (verify) {
        int actual = crc32c(target, pageSize);
        if (actual != entry.activeCrc()) {
          requireCurrentView(id, entry);
          throw corrupt(id, entry, actual);
        }
      }
      return entry;
    }
  }

  /**
   * Before a mismatch is called corruption: an unregistered read-only pager reads commit {@code g}
   * while a writer elsewhere goes on, and that writer stages into a copy that was active at {@code
   * g} as soon as it works on commit {@code g + 2}, that is once {@code g + 1} exists. A mismatch
   * then is a stale view, not damage. A registered reader's copies are never staged into.
   */
  void requireCurrentView(long id, DirectoryEntry entry) throws StaleViewException {
    if (pager.isRegisteredReader()) {
      return; // the writer stages around what a registered reader's commit reads: damage, not staleness
    }
    long newest = pager.fileGeneration();
    if (newest > pager.generation()) {
      throw new StaleViewException(
          pager.describe() + ": protected page " + id + " (physical page " + entry.activePage()
              + ") changed under a read-only view of generation " + pager.generation() + "; the file has reached "
              + "generation " + newest + ". Reopen to read the newest commit");
    }
  }

  ProtectedPageCorruptException corrupt(long id, DirectoryEntry entry, int actual) {
    return new ProtectedPageCorruptException(
        pager.describe() + ": protected page " + id + " is corrupt: its active copy, physical page "
            + entry.activePage() + " (version " + entry.version() + "), has CRC32C 0x"
            + Integer.toHexString(actual) + ", the directory records 0x" + Integer.toHexString(entry.activeCrc()),
        id,
        entry.activePage());
  }

  static int crc32c(byte[] bytes) {
    return crc32c(bytes, bytes.length);
  }

  static int crc32c(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }

  /** CRC32C over a mapped page, handed to the JDK as a direct buffer without copying. */
  static int crc32c(MemorySegment segment) {
    CRC32C crc = new CRC32C();
    crc.update(segment.asByteBuffer());
    return (int) crc.getValue();
  }
}
